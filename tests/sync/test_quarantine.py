"""GET /api/sync/quarantine lists the person's rejected mutations (newest first, never
another person's); POST /api/sync/quarantine/dismiss takes one off the list."""

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from server.sync import service as sync_service
from server.sync.models import SyncQuarantine
from tests.sync.conftest import API_HEADERS, School, mutation, push, sign_in


def listed(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/sync/quarantine", headers=API_HEADERS)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def dismiss(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post("/api/sync/quarantine/dismiss", json=body, headers=API_HEADERS)


def test_rejected_mutations_are_listed_newest_first_as_sent(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    oid = school.create()
    first = mutation(oid, "erase", 1)
    second = mutation(oid, "set_score", 2, rubric_version_id=school.talk.id)
    assert [r["status"] for r in push(client, [first, second]).json()["results"]] == [
        "rejected",
        "rejected",
    ]
    rows = listed(client)
    assert [(r["mutation_id"], r["reason"]) for r in rows] == [
        (2, "payload.dimension_id: Field required"),
        (1, "payload.op: unknown operation 'erase'"),
    ]
    assert set(rows[0]) == {
        "id", "device_id", "mutation_id", "entity", "entity_id", "reason", "payload",
        "created_at",
    }  # fmt: skip
    assert rows[1]["payload"] == first
    assert (rows[1]["device_id"], rows[1]["entity"], rows[1]["entity_id"]) == (
        "tablet-1",
        "observation",
        str(oid),
    )
    assert rows[1]["created_at"].endswith("+00:00")


def test_dismiss_takes_it_off_the_list_and_is_scoped_to_the_person(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    push(client, [mutation(uuid.uuid4(), "erase", 1), mutation(uuid.uuid4(), "erase", 2)])
    newest, oldest = listed(client)
    # Another coach sees none of it and cannot dismiss it.
    client.cookies.clear()
    sign_in(client, school.other_coach.email)
    assert listed(client) == []
    response = dismiss(client, {"id": oldest["id"]})
    assert response.status_code == 404
    assert response.json() == {"detail": f"id: there is no rejected mutation {oldest['id']}"}
    # The coach dismisses one: the other stays; the row is kept (for support).
    client.cookies.clear()
    sign_in(client, school.coach.email)
    done = dismiss(client, {"id": oldest["id"]})
    assert done.status_code == 200, done.text
    assert done.json()["id"] == oldest["id"] and done.json()["dismissed_at"]
    assert [r["id"] for r in listed(client)] == [newest["id"]]
    again = dismiss(client, {"id": oldest["id"]})  # harmless repeat
    assert again.status_code == 200 and again.json() == done.json()
    school.session.expire_all()
    assert len(school.session.exec(select(SyncQuarantine)).all()) == 2
    unknown = dismiss(client, {"id": newest["id"] + 1000})
    assert unknown.status_code == 404
    malformed = dismiss(client, {})
    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("id: Field required")


def test_the_list_holds_at_most_200(client: TestClient, school: School) -> None:
    school.session.add_all(
        SyncQuarantine(
            user_id=school.coach.id or 0, device_id="d", mutation_id=n, reason="payload.op: x"
        )
        for n in range(205)
    )
    school.session.commit()
    sign_in(client, school.coach.email)
    rows = listed(client)
    assert len(rows) == sync_service.QUARANTINE_LIMIT == 200
    assert [r["mutation_id"] for r in rows[:2]] == [204, 203]
