"""POST /api/sync/push: applied, duplicate, out of order, retries, rejects, batch errors."""

import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from server.observations.models import (
    Note,
    Observation,
    ObservationCreate,
    ObservationRevision,
    Score,
)
from server.observations.operations import CreateObservation
from server.sync.models import SyncMutation, SyncQuarantine
from tests.sync.conftest import (
    School,
    create_mutation,
    create_payload,
    mutation,
    note_mutation,
    push,
    score_mutation,
    sign_in,
)


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[call-overload]


def test_push_applies_then_a_repeat_is_a_duplicate_with_the_stored_version(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    batch = [create_mutation(school, oid, 1), score_mutation(school, oid, 2)]
    first = push(client, batch)
    assert first.status_code == 200, first.text
    assert first.json()["results"] == [
        {"mutation_id": 1, "status": "applied", "version": 1, "reason": None},
        {"mutation_id": 2, "status": "applied", "version": 2, "reason": None},
    ]
    again = push(client, batch)
    assert [(r["status"], r["version"]) for r in again.json()["results"]] == [
        ("duplicate", 1),
        ("duplicate", 2),
    ]
    session = school.session
    assert count(session, Observation, Observation.id == oid) == 1
    assert count(session, Score, Score.observation_id == oid) == 1
    assert count(session, SyncMutation) == 2


def test_out_of_order_ids_and_gaps_apply_in_id_order(client: TestClient, school: School) -> None:
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    # Sent out of order: create (10) must run before the scores (20, 30) though listed last.
    batch = [
        score_mutation(school, oid, 30, "press", 2),
        score_mutation(school, oid, 20, "participation", 4),
        create_mutation(school, oid, 10),
    ]
    results = push(client, batch).json()["results"]
    assert [(r["mutation_id"], r["status"], r["version"]) for r in results] == [
        (10, "applied", 1),
        (20, "applied", 2),
        (30, "applied", 3),
    ]
    # A lower id arriving later (a gap filled) is applied on its own.
    late = push(client, [score_mutation(school, oid, 15, "goal-posted", 1)]).json()["results"]
    assert late[0]["status"] == "applied"
    # The same id twice in one batch: applied once, then a duplicate.
    note = note_mutation(oid, 40)
    twice = push(client, [note, note]).json()["results"]
    assert [r["status"] for r in twice] == ["applied", "duplicate"]
    assert count(school.session, Note, Note.observation_id == oid) == 1


def test_a_dropped_response_then_a_retry_leaves_exactly_one_record(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    batch = [create_mutation(school, oid, 1), note_mutation(oid, 2), score_mutation(school, oid, 3)]
    push(client, batch)  # the response is lost on the way back: the client retries it all
    retry = push(client, batch).json()["results"]
    assert {r["status"] for r in retry} == {"duplicate"}
    session = school.session
    assert count(session, Note, Note.observation_id == oid) == 1
    assert count(session, Score, Score.observation_id == oid) == 1
    assert count(session, SyncMutation) == 3
    versions = session.exec(
        select(ObservationRevision.version).where(ObservationRevision.observation_id == oid)
    ).all()
    assert sorted(set(versions)) == [1, 2, 3]


def test_the_same_device_id_under_another_user_is_its_own_key_space(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    assert push(client, [create_mutation(school, oid, 1)]).json()["results"][0]["status"] == (
        "applied"
    )
    client.post("/logout", headers={"X-CSRF-Token": "x"})
    client.cookies.clear()
    sign_in(client, school.other_coach.email)
    # Mutation 1 of "tablet-1" for the other coach is not the first coach's duplicate.
    other = uuid.uuid4()
    create = create_mutation(school, other, 1)
    create["payload"]["data"]["teacher_id"] = school.unassigned_teacher.id
    result = push(client, [create]).json()["results"][0]
    assert result["status"] == "applied", result


def test_invalid_mutations_are_quarantined_and_acknowledged_and_the_rest_applied(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    other_oid = uuid.uuid4()  # the other coach's observation: not this coach's to change
    data = ObservationCreate(
        observed_at=datetime.now(UTC),
        grade="3",
        teacher_id=school.unassigned_teacher.id,  # type: ignore[arg-type]
        rubric_version_ids=[school.talk.id],  # type: ignore[list-item]
    )
    school.apply(CreateObservation(observation_id=other_oid, data=data), school.other_coach)
    batch = [
        create_mutation(school, oid, 1),
        mutation(oid, "set_score", 2, rubric_version_id=school.talk.id, value=3),
        mutation(oid, "add_note", 3, entity="lesson"),
        mutation(oid, "erase_everything", 4),
        score_mutation(school, oid, 5, "participation", 9),
        note_mutation(uuid.uuid4(), 6),
        note_mutation(other_oid, 7),
        {"mutation_id": 8, "entity": "observation", "id": "not-a-uuid", "payload": {}},
        mutation(oid, "add_note", 9, note_id=str(uuid.uuid4()), text="ok", observation_id="x"),
        note_mutation(oid, 10, "Fine row after the bad ones"),
        mutation(
            uuid.uuid4(),
            "create_observation",
            11,
            data=create_payload(school, teacher_id=school.unassigned_teacher.id),
        ),
    ]
    results = {r["mutation_id"]: r for r in push(client, batch).json()["results"]}
    assert results[1]["status"] == "applied"
    assert results[10]["status"] == "applied"
    reasons = {mid: results[mid]["reason"] for mid in [*range(2, 10), 11]}
    assert {results[mid]["status"] for mid in reasons} == {"rejected"}
    assert reasons[2].startswith("payload.dimension_id:"), reasons[2]
    assert reasons[3].startswith("entity:"), reasons[3]
    assert reasons[4].startswith("payload.op:") and "erase_everything" in reasons[4]
    assert reasons[5].startswith("value:"), reasons[5]
    assert reasons[6].startswith("id:") and "no observation" in reasons[6], reasons[6]
    assert reasons[7].startswith("id:"), reasons[7]
    assert reasons[8].startswith("id:"), reasons[8]
    assert reasons[9].startswith("payload.observation_id:"), reasons[9]
    # A reason that already names its field is not prefixed again.
    assert reasons[11] == "teacher_id: Una Assigned is not in your caseload.", reasons[11]
    rows = school.session.exec(select(SyncQuarantine).order_by(col(SyncQuarantine.mutation_id)))
    kept = {row.mutation_id: row for row in rows}
    assert set(kept) == {*range(2, 10), 11}
    assert kept[3].entity == "lesson" and kept[3].payload["payload"]["op"] == "add_note"
    assert kept[8].entity_id == "not-a-uuid"
    # Acknowledged: a resend is a duplicate with the same reason, and nothing new is kept.
    again = {r["mutation_id"]: r for r in push(client, batch).json()["results"]}
    assert again[4] == {**results[4], "status": "duplicate"}
    assert count(school.session, SyncQuarantine) == 9
    assert count(school.session, Note, Note.observation_id == oid) == 1


def test_a_malformed_batch_is_400_naming_the_field_and_applies_nothing(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    oid = uuid.uuid4()
    no_device = client.post(
        "/api/sync/push",
        json={"mutations": []},
        headers={"X-Cadence-Sync": "1", "Origin": "http://testserver"},
    )
    assert no_device.status_code == 400
    assert no_device.json()["detail"].startswith("device_id:")
    good = create_mutation(school, oid, 1)
    bad = note_mutation(oid, 2)
    del bad["mutation_id"]
    response = push(client, [good, bad])
    assert response.status_code == 400
    assert response.json() == {
        "detail": "mutations.1.mutation_id: a whole number from 0 is required"
    }
    assert count(school.session, Observation) == 0
    too_many = push(client, [note_mutation(oid, n) for n in range(501)])
    assert too_many.status_code == 400
    assert too_many.json()["detail"].startswith("mutations:")
    not_json = client.post(
        "/api/sync/push",
        content=b"{",
        headers={
            "Content-Type": "application/json",
            "X-Cadence-Sync": "1",
            "Origin": "http://testserver",
        },
    )
    assert not_json.status_code == 400
