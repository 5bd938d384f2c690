"""Resolving a kept conflict as a synced write (a `resolve_conflict` mutation) and through
POST /api/sync/conflicts/resolve: server, client or a combined value; the resolution reaches
the author's other devices through pull; anything invalid is quarantined naming the field."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from server.observations import operations as ops
from server.observations.models import (
    Evidence,
    Observation,
    ObservationUpdate,
    Reflection,
    Score,
    TallyCount,
)
from server.sync import service as sync_service
from server.sync.models import SyncConflict, SyncQuarantine
from tests.sync.conftest import API_HEADERS, School, mutation, pull, push, sign_in


@pytest.fixture
def tablet_2(client: TestClient, school: School) -> Iterator[TestClient]:
    """The coach's second device: its own client, signed in with a bearer token."""
    token = sync_service.create_token(session=school.session, user=school.coach).token
    other = TestClient(
        client.app, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"}
    )
    yield other
    other.close()


def resolve_mutation(
    oid: uuid.UUID | str, conflict_id: int, choice: str, mutation_id: int, **extra: Any
) -> dict[str, Any]:
    return mutation(
        oid, "resolve_conflict", mutation_id, None, conflict_id=conflict_id, choice=choice, **extra
    )


@dataclass
class Kept:
    oid: uuid.UUID
    conflict_id: int


def evidence_conflict(client: TestClient, school: School) -> Kept:
    """The server wrote "Server" and the tablet (offline since version 1) "Tablet"."""
    sign_in(client, school.coach.email)
    oid = school.create()
    evidence = {"rubric_version_id": school.talk.id, "dimension_id": "press"}
    school.apply(ops.SetEvidence(observation_id=oid, base_version=1, text="Server", **evidence))
    sent = mutation(oid, "set_evidence", 1, 1, text="Tablet", **evidence)
    assert push(client, [sent]).json()["results"][0]["status"] == "conflict"
    [listed] = client.get("/api/sync/conflicts", headers=API_HEADERS).json()
    return Kept(oid, listed["id"])


def evidence_text(school: School, oid: uuid.UUID) -> str:
    school.session.expire_all()
    return school.session.exec(select(Evidence).where(Evidence.observation_id == oid)).one().text


def conflict_row(school: School, conflict_id: int) -> SyncConflict:
    school.session.expire_all()
    row = school.session.get(SyncConflict, conflict_id)
    assert row is not None
    return row


def pulled(device: TestClient, cursor: int) -> tuple[int, dict[str, Any]]:
    body = pull(device, cursor)
    [change] = body["changes"]
    return body["cursor"], change


def test_combined_text_is_applied_and_reaches_the_other_device(
    client: TestClient, school: School, tablet_2: TestClient
) -> None:
    kept = evidence_conflict(client, school)
    cursor, change = pulled(tablet_2, 0)
    assert [c["id"] for c in change["data"]["open_conflicts"]] == [kept.conflict_id]
    sent = resolve_mutation(kept.oid, kept.conflict_id, "combined", 2, value="Server. Tablet.")
    result = push(client, [sent]).json()["results"][0]
    assert result == {"mutation_id": 2, "status": "applied", "version": 3, "reason": None}
    assert evidence_text(school, kept.oid) == "Server. Tablet."
    row = conflict_row(school, kept.conflict_id)
    assert row.resolution == "combined" and row.resolved_at is not None
    assert not sync_service.has_open_conflict(session=school.session, observation_id=kept.oid)
    # The second device pulls the merged text and no open conflict.
    _cursor, change = pulled(tablet_2, cursor)
    assert change["version"] == 3
    assert [e["text"] for e in change["data"]["evidence"]] == ["Server. Tablet."]
    assert change["data"]["open_conflicts"] == []
    assert client.get("/api/sync/conflicts", headers=API_HEADERS).json() == []
    # Sent again (a lost response): a duplicate with the stored result, nothing re-applied.
    again = push(client, [sent]).json()["results"][0]
    assert again == {"mutation_id": 2, "status": "duplicate", "version": 3, "reason": None}
    school.session.expire_all()
    obs = school.session.get(Observation, kept.oid)
    assert obs is not None and obs.version == 3


def test_the_server_choice_changes_nothing_but_the_other_device_sees_the_conflict_gone(
    client: TestClient, school: School, tablet_2: TestClient
) -> None:
    kept = evidence_conflict(client, school)
    cursor, change = pulled(tablet_2, 0)
    assert len(change["data"]["open_conflicts"]) == 1
    sent = resolve_mutation(kept.oid, kept.conflict_id, "server", 2)
    result = push(client, [sent]).json()["results"][0]
    assert (result["status"], result["version"], result["reason"]) == ("applied", 2, None)
    assert evidence_text(school, kept.oid) == "Server"
    assert conflict_row(school, kept.conflict_id).resolution == "server"
    # Same version (nothing in the observation changed), but open_conflicts did.
    _cursor, change = pulled(tablet_2, cursor)
    assert change["version"] == 2
    assert change["data"]["open_conflicts"] == []
    assert [e["text"] for e in change["data"]["evidence"]] == ["Server"]


def test_the_client_choice_applies_the_kept_value(
    client: TestClient, school: School, tablet_2: TestClient
) -> None:
    kept = evidence_conflict(client, school)
    cursor, _change = pulled(tablet_2, 0)
    result = push(client, [resolve_mutation(kept.oid, kept.conflict_id, "client", 2)]).json()
    assert result["results"][0]["status"] == "applied"
    assert result["results"][0]["version"] == 3
    assert evidence_text(school, kept.oid) == "Tablet"
    assert conflict_row(school, kept.conflict_id).resolution == "client"
    _cursor, change = pulled(tablet_2, cursor)
    assert [e["text"] for e in change["data"]["evidence"]] == ["Tablet"]
    assert change["data"]["open_conflicts"] == []


def open_conflict(school: School) -> SyncConflict:
    """The one open conflict."""
    school.session.expire_all()
    [row] = school.session.exec(
        select(SyncConflict).where(col(SyncConflict.resolved_at).is_(None))
    ).all()
    return row


def test_combined_values_for_a_context_field_a_score_and_a_tally(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    # A context text field.
    oid = school.create([school.talk, school.practices])
    school.apply(
        ops.UpdateContext(
            observation_id=oid, base_version=1, data=ObservationUpdate(lesson_goal="Server goal")
        )
    )
    sent = mutation(oid, "update_context", 1, 1, data={"lesson_goal": "Tablet goal"})
    assert push(client, [sent]).json()["results"][0]["status"] == "conflict"
    conflict = open_conflict(school)
    merged = resolve_mutation(oid, conflict.id or 0, "combined", 2, value="Both goals")
    assert push(client, [merged]).json()["results"][0]["status"] == "applied"
    school.session.expire_all()
    obs = school.session.get(Observation, oid)
    assert obs is not None and obs.lesson_goal == "Both goals"
    version = obs.version
    # A score: a level, or not observed.
    school.score(oid, "participation", 2, base_version=version)
    sent = mutation(
        oid, "set_score", 3, version,
        rubric_version_id=school.talk.id, dimension_id="participation", value=4,
    )  # fmt: skip
    assert push(client, [sent]).json()["results"][0]["status"] == "conflict"
    conflict = open_conflict(school)
    chosen = {"value": None, "not_observed": True}
    result = push(client, [resolve_mutation(oid, conflict.id or 0, "combined", 4, value=chosen)])
    assert result.json()["results"][0]["status"] == "applied", result.text
    school.session.expire_all()
    score = school.session.exec(
        select(Score).where(Score.observation_id == oid, Score.dimension_id == "participation")
    ).one()
    assert (score.value, score.not_observed) == (None, True)
    assert conflict_row(school, conflict.id or 0).resolution == "combined"
    # A tally count.
    obs = school.session.get(Observation, oid)
    assert obs is not None
    version = obs.version
    tally = {
        "rubric_version_id": school.practices.id,
        "tally_id": "question-kinds",
        "category_id": "probing",
    }
    school.apply(ops.SetTally(observation_id=oid, base_version=version, count=3, **tally))
    sent = mutation(oid, "set_tally", 5, version, count=2, **tally)
    assert push(client, [sent]).json()["results"][0]["status"] == "conflict"
    conflict = open_conflict(school)
    result = push(client, [resolve_mutation(oid, conflict.id or 0, "combined", 6, value=5)])
    assert result.json()["results"][0]["status"] == "applied", result.text
    school.session.expire_all()
    count = school.session.exec(
        select(TallyCount).where(
            TallyCount.observation_id == oid, TallyCount.category_id == "probing"
        )
    ).one()
    assert count.count == 5
    [change] = pull(client)["changes"]
    assert change["data"]["lesson_goal"] == "Both goals"
    assert change["data"]["open_conflicts"] == []


def test_the_teacher_resolves_a_reflection_conflict_with_combined_text(
    client: TestClient, school: School
) -> None:
    oid = school.create()
    school.score_all_talk(oid)
    school.apply(ops.Finalize(observation_id=oid))
    school.apply(ops.Share(observation_id=oid, audience="teacher"))
    first = school.apply(ops.AddReflection(observation_id=oid, text="First"), school.teacher_user)
    base = first.version
    school.apply(
        ops.AddReflection(observation_id=oid, base_version=base, text="From the laptop"),
        school.teacher_user,
    )
    sign_in(client, school.teacher_user.email)
    sent = mutation(oid, "add_reflection", 1, base, text="From the tablet")
    assert push(client, [sent]).json()["results"][0]["status"] == "conflict"
    conflict = open_conflict(school)
    assert conflict.user_id == school.teacher_user.id
    value = "From the laptop and the tablet"
    result = push(client, [resolve_mutation(oid, conflict.id or 0, "combined", 2, value=value)])
    assert result.json()["results"][0]["status"] == "applied", result.text
    school.session.expire_all()
    row = school.session.exec(select(Reflection).where(Reflection.observation_id == oid)).one()
    assert row.text == value


def test_invalid_resolutions_are_quarantined_naming_the_field(
    client: TestClient, school: School
) -> None:
    kept = evidence_conflict(client, school)
    other_oid = school.create()
    unknown = kept.conflict_id + 1000
    cases: list[tuple[dict[str, Any], str]] = [
        (
            mutation(kept.oid, "resolve_conflict", 10, choice="server"),
            "payload.conflict_id: Field required",
        ),
        (
            resolve_mutation(kept.oid, kept.conflict_id, "mine", 11),
            "payload.choice: Input should be 'server', 'client' or 'combined'",
        ),
        (
            resolve_mutation(kept.oid, kept.conflict_id, "combined", 12),
            "payload.value: required when choice is 'combined'",
        ),
        (
            resolve_mutation(kept.oid, kept.conflict_id, "combined", 13, value=None),
            "payload.value: Input should be a valid string",
        ),
        (
            resolve_mutation(kept.oid, kept.conflict_id, "combined", 14, value="x" * 10001),
            "payload.value: String should have at most 10000 characters",
        ),
        (
            resolve_mutation(kept.oid, kept.conflict_id, "server", 15, note="hi"),
            "payload.note: Extra inputs are not permitted",
        ),
        (
            resolve_mutation(other_oid, kept.conflict_id, "server", 16),
            f"payload.conflict_id: conflict {kept.conflict_id} is not this observation's",
        ),
        (
            resolve_mutation(kept.oid, unknown, "server", 17),
            f"payload.conflict_id: there is no conflict {unknown}",
        ),
        (
            resolve_mutation(kept.oid, "three", "server", 18),  # type: ignore[arg-type]
            "payload.conflict_id: Input should be a valid integer, unable to parse string as an "
            "integer",
        ),
        (
            {**resolve_mutation(kept.oid, kept.conflict_id, "server", 19), "entity": "lesson"},
            "entity: unknown entity 'lesson'",
        ),
    ]
    results = push(client, [sent for sent, _ in cases]).json()["results"]
    assert [(r["status"], r["version"], r["reason"]) for r in results] == [
        ("rejected", None, reason) for _, reason in cases
    ]
    quarantined = school.session.exec(select(SyncQuarantine)).all()
    assert sorted(q.mutation_id for q in quarantined) == list(range(10, 20))
    # Nothing was resolved.
    assert conflict_row(school, kept.conflict_id).resolved_at is None
    assert evidence_text(school, kept.oid) == "Server"
    # A score conflict's combined value is checked like a score.
    school.score(other_oid, "participation", 2, base_version=1)
    sent = mutation(
        other_oid, "set_score", 30, 1,
        rubric_version_id=school.talk.id, dimension_id="participation", value=4,
    )  # fmt: skip
    assert push(client, [sent]).json()["results"][0]["status"] == "conflict"
    score_conflict = school.session.exec(
        select(SyncConflict).where(SyncConflict.observation_id == other_oid)
    ).one()
    sid = score_conflict.id or 0
    bad = [
        (resolve_mutation(other_oid, sid, "combined", 31, value={"value": 9}), "payload.value: "),
        (
            resolve_mutation(other_oid, sid, "combined", 32, value={"value": "x"}),
            "payload.value.value: Input should be a valid integer",
        ),
        (
            resolve_mutation(
                other_oid, sid, "combined", 33, value={"value": 2, "not_observed": True}
            ),
            "payload.value: give a level or 'not observed', not both",
        ),
        (
            resolve_mutation(other_oid, sid, "combined", 34, value=3),
            f"payload.value: {sync_service.SCORE_SHAPE}",
        ),
    ]
    results = push(client, [sent for sent, _ in bad]).json()["results"]
    for result, (_sent, reason) in zip(results, bad, strict=True):
        assert result["status"] == "rejected"
        assert result["reason"].startswith(reason), result["reason"]
    assert conflict_row(school, sid).resolved_at is None


def test_a_resolved_conflict_and_another_persons_conflict_are_rejected(
    client: TestClient, school: School
) -> None:
    kept = evidence_conflict(client, school)
    first = push(client, [resolve_mutation(kept.oid, kept.conflict_id, "server", 2)])
    assert first.json()["results"][0]["status"] == "applied"
    # Another device (or a new mutation id) resolving it again.
    again = push(client, [resolve_mutation(kept.oid, kept.conflict_id, "client", 3)])
    assert again.json()["results"][0] == {
        "mutation_id": 3, "status": "rejected", "version": None,
        "reason": "payload.conflict_id: this conflict is resolved already",
    }  # fmt: skip
    assert evidence_text(school, kept.oid) == "Server"
    # Another coach cannot resolve (nor learn about) this coach's conflict.
    client.cookies.clear()
    sign_in(client, school.other_coach.email)
    other = push(client, [resolve_mutation(kept.oid, kept.conflict_id, "client", 4)])
    assert other.json()["results"][0]["reason"] == (
        f"payload.conflict_id: there is no conflict {kept.conflict_id}"
    )
    assert conflict_row(school, kept.conflict_id).resolution == "server"


def test_the_resolve_endpoint_accepts_a_combined_value(client: TestClient, school: School) -> None:
    kept = evidence_conflict(client, school)

    def resolve(**body: Any) -> Any:
        return client.post("/api/sync/conflicts/resolve", json=body, headers=API_HEADERS)

    missing = resolve(conflict_id=kept.conflict_id, choice="combined")
    assert missing.status_code == 400
    assert missing.json() == {"detail": "value: required when choice is 'combined'"}
    invalid = resolve(conflict_id=kept.conflict_id, choice="combined", value=["a"])
    assert invalid.status_code == 400
    assert invalid.json()["detail"].startswith("value: ")
    wrong = resolve(conflict_id=kept.conflict_id, choice="both")
    assert wrong.status_code == 400 and wrong.json()["detail"].startswith("choice: ")
    unknown = resolve(conflict_id=kept.conflict_id + 1000, choice="server")
    assert unknown.status_code == 404
    done = resolve(conflict_id=kept.conflict_id, choice="combined", value="Merged")
    assert done.status_code == 200, done.text
    assert done.json() == {"conflict_id": kept.conflict_id, "resolution": "combined", "version": 3}
    assert evidence_text(school, kept.oid) == "Merged"
    again = resolve(conflict_id=kept.conflict_id, choice="server")
    assert again.status_code == 400
    assert again.json() == {"detail": "conflict_id: this conflict is resolved already"}
