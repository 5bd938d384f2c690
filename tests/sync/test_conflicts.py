"""A field both sides changed: the server keeps its value, the client's is kept as a
conflict, listed, shown in pull, and resolved through the one write path."""

import uuid

from fastapi.testclient import TestClient
from sqlmodel import select

from server.observations import operations as ops
from server.observations.models import Evidence, Observation, ObservationUpdate
from server.sync import service as sync_service
from server.sync.models import SyncConflict
from tests.sync.conftest import API_HEADERS, School, mutation, pull, push, sign_in


def evidence_text(school: School, oid: uuid.UUID) -> str:
    school.session.expire_all()
    row = school.session.exec(select(Evidence).where(Evidence.observation_id == oid)).one()
    return row.text


def test_a_conflict_keeps_both_values_and_the_client_value_can_be_chosen(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    oid = school.create()  # version 1 on both sides
    evidence = {"rubric_version_id": school.talk.id, "dimension_id": "press"}
    school.apply(ops.SetEvidence(observation_id=oid, base_version=1, text="Server", **evidence))
    # The tablet, offline since version 1, wrote the same field.
    sent = mutation(oid, "set_evidence", 7, 1, text="Tablet", **evidence)
    result = push(client, [sent]).json()["results"][0]
    assert result["status"] == "conflict"
    assert result["version"] == 2
    assert result["reason"].startswith(f"evidence {school.talk.id}:press:"), result
    assert evidence_text(school, oid) == "Server"
    listed = client.get("/api/sync/conflicts", headers=API_HEADERS).json()
    assert [
        (c["field"], c["server_value"], c["client_value"], c["base_version"]) for c in listed
    ] == [(f"evidence {school.talk.id}:press", "Server", "Tablet", 1)]
    assert listed[0]["mutation_id"] == 7 and listed[0]["device_id"] == "tablet-1"
    assert sync_service.has_open_conflict(session=school.session, observation_id=oid)
    [change] = pull(client)["changes"]
    assert change["data"]["open_conflicts"][0]["client_value"] == "Tablet"
    # A resend is a duplicate: no second conflict row.
    assert push(client, [sent]).json()["results"][0]["status"] == "duplicate"
    assert len(school.session.exec(select(SyncConflict)).all()) == 1
    # The coach chooses the tablet's text: applied as a normal write, conflict closed.
    chosen = client.post(
        "/api/sync/conflicts/resolve",
        json={"conflict_id": listed[0]["id"], "choice": "client"},
        headers=API_HEADERS,
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["version"] == 3
    assert evidence_text(school, oid) == "Tablet"
    assert client.get("/api/sync/conflicts", headers=API_HEADERS).json() == []
    assert not sync_service.has_open_conflict(session=school.session, observation_id=oid)
    again = client.post(
        "/api/sync/conflicts/resolve",
        json={"conflict_id": listed[0]["id"], "choice": "client"},
        headers=API_HEADERS,
    )
    assert again.status_code == 400 and again.json()["detail"].startswith("conflict_id:")


def test_choosing_the_server_value_changes_nothing_and_others_cannot_resolve(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    school.score(oid, "participation", 2, base_version=1)
    sign_in(client, school.coach.email)
    sent = mutation(
        oid, "set_score", 1, 1,
        rubric_version_id=school.talk.id, dimension_id="participation", value=4,
    )  # fmt: skip
    assert push(client, [sent]).json()["results"][0]["status"] == "conflict"
    [conflict] = school.session.exec(select(SyncConflict)).all()
    assert conflict.server_value == {"value": 2, "not_observed": False}
    assert conflict.client_value == {"value": 4, "not_observed": False}
    other = school.viewer(school.other_coach)
    try:
        sync_service.resolve_conflict(
            session=school.session, actor=other, conflict_id=conflict.id or 0, choice="client"
        )
        raise AssertionError("another person resolved the conflict")
    except ops.NotFound:
        pass
    sync_service.resolve_conflict(
        session=school.session,
        actor=school.viewer(school.coach),
        conflict_id=conflict.id or 0,
        choice="server",
    )
    school.session.expire_all()
    obs = school.session.get(Observation, oid)
    assert obs is not None and obs.version == 2
    row = school.session.get(SyncConflict, conflict.id)
    assert row is not None and row.resolution == "server" and row.resolved_at is not None


def test_a_context_update_applies_the_fields_that_merge_and_keeps_the_conflicting_one(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    school.apply(
        ops.UpdateContext(observation_id=oid, base_version=1, data=ObservationUpdate(grade="5"))
    )
    sign_in(client, school.coach.email)
    sent = mutation(oid, "update_context", 1, 1, data={"grade": "6", "lesson_goal": "Fractions"})
    result = push(client, [sent]).json()["results"][0]
    assert result["status"] == "conflict" and result["reason"].startswith("grade:")
    school.session.expire_all()
    obs = school.session.get(Observation, oid)
    assert obs is not None
    assert (obs.grade, obs.lesson_goal, obs.version) == ("5", "Fractions", 3)
    assert result["version"] == 3
    [conflict] = school.session.exec(select(SyncConflict)).all()
    assert (conflict.field, conflict.server_value, conflict.client_value) == ("grade", "5", "6")
    sync_service.resolve_conflict(
        session=school.session,
        actor=school.viewer(school.coach),
        conflict_id=conflict.id or 0,
        choice="client",
    )
    school.session.expire_all()
    obs = school.session.get(Observation, oid)
    assert obs is not None and (obs.grade, obs.lesson_goal) == ("6", "Fractions")
