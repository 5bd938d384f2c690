"""Coaching through the sync protocol: push (applied, duplicate, rejected with the field
named, conflicts kept and resolved), pull through the trust wall (the pair everything, a
principal only shared summaries, anyone else nothing, tombstones), the sync_read audit
(one event per pull; tests/coaching/test_audit.py has the rest), and the bootstrap's
coaching choices."""

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import select

from server.accounts.models import Role
from server.audit.models import AuditEvent
from server.coaching.models import CheckIn, CoachingCycle
from server.config import Settings
from server.roster import service as roster_service
from server.rubrics import service as rubrics_service
from server.sync import service as sync_service
from server.sync.models import SyncConflict
from tests.coaching.conftest import FOCUS, School, count, write
from tests.factories import create_assignment, create_cycle, create_user
from tests.sync.conftest import API_HEADERS, mutation, pull, push, sign_in

TODAY = date.today()
SUMMARY_KEYS = {
    "teacher_id",
    "focus_label",
    "goal",
    "summary_progress",
    "status",
    "start_date",
    "end_date",
}


def results(response: Any) -> list[tuple[str, int | None, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["version"], r["reason"]) for r in response.json()["results"]]


def cycle_mutation(school: School, cid: uuid.UUID, mid: int, **overrides: Any) -> dict[str, Any]:
    data = {
        "teacher_id": school.teacher.id,
        **FOCUS,
        "goal": "Students justify comparisons",
        "start_date": TODAY.isoformat(),
        **overrides,
    }
    return mutation(cid, "create_cycle", mid, entity="cycle", data=data)


def build_pair(client: TestClient, school: School) -> dict[str, uuid.UUID]:
    """The coach pushes a cycle, a check-in and a commitment; returns their ids."""
    cycle, check_in, commitment = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sign_in(client, school.coach.email)
    sent = [
        cycle_mutation(school, cycle, 1),
        mutation(
            check_in,
            "create_check_in",
            2,
            entity="check_in",
            data={
                "cycle_id": str(cycle),
                "date": TODAY.isoformat(),
                "kind": "student_work",
                "evidence_examined": "Exit tickets",
                "notes": "Private to the pair",
            },
        ),
        mutation(
            commitment,
            "create_commitment",
            3,
            entity="commitment",
            data={
                "cycle_id": str(cycle),
                "check_in_id": str(check_in),
                "text": "Try a number line",
                "owner": "teacher",
                "due_date": (TODAY + timedelta(days=7)).isoformat(),
            },
        ),
    ]
    assert results(push(client, sent)) == [("applied", 1, None)] * 3
    assert results(push(client, sent[:1])) == [("duplicate", 1, None)]
    client.cookies.clear()
    return {"cycle": cycle, "check_in": check_in, "commitment": commitment}


def by_entity(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["entity"]: c for c in body["changes"]}


def test_the_pair_pushes_and_pulls_everything(client: TestClient, school: School) -> None:
    ids = build_pair(client, school)
    sign_in(client, school.teacher_user.email)
    sent = [
        mutation(
            ids["check_in"],
            "add_check_in_reflection",
            1,
            1,
            entity="check_in",
            text="The number line helped",
        ),
        mutation(
            ids["commitment"],
            "update_commitment",
            2,
            1,
            entity="commitment",
            data={"status": "done"},
        ),
        mutation(
            ids["cycle"],
            "update_cycle",
            3,
            1,
            entity="cycle",
            data={"summary_progress": "Most explain now"},
        ),
    ]
    assert results(push(client, sent)) == [("applied", 2, None)] * 3
    teacher_view = by_entity(pull(client))
    client.cookies.clear()
    sign_in(client, school.coach.email)
    coach_view = by_entity(pull(client))
    for view in (teacher_view, coach_view):
        assert {e: (c["id"], c["version"], c["deleted"]) for e, c in view.items()} == {
            e: (str(ids[e]), 2, False) for e in ("cycle", "check_in", "commitment")
        }
    cycle = coach_view["cycle"]["data"]
    assert set(cycle) == {
        "teacher_id",
        "coach_id",
        "focus_rubric_id",
        "focus_dimension_id",
        "focus_label",
        "goal",
        "evidence_plan",
        "start_date",
        "end_date",
        "status",
        "shared_with_principal_at",
        "summary_progress",
        "created_at",
        "updated_at",
        "open_conflicts",
    }
    assert cycle["end_date"] == (TODAY + timedelta(days=42)).isoformat()
    assert (cycle["status"], cycle["focus_label"]) == ("active", "Participation")
    check_in = coach_view["check_in"]["data"]
    assert check_in["notes"] == "Private to the pair" and check_in["kind"] == "student_work"
    assert [r["text"] for r in check_in["reflections"]] == ["The number line helped"]
    assert teacher_view["check_in"]["data"]["reflections"] == check_in["reflections"]
    commitment = coach_view["commitment"]["data"]
    assert commitment["status"] == "done" and commitment["completed_at"] is not None
    assert commitment["owner"] == "teacher" and commitment["open_conflicts"] == []
    # Each pull was audited as one sync read, for the person who pulled, naming what it
    # carried and whose records they were.
    events = school.session.exec(select(AuditEvent).where(AuditEvent.action == "sync_read")).all()
    assert sorted((e.user_id, e.entity, e.detail["counts"]) for e in events) == sorted(
        (u.id, "sync", {"cycle": 1, "check_in": 1, "commitment": 1})
        for u in (school.teacher_user, school.coach)
    )
    assert [[t.teacher_id for t in e.teachers] for e in events] == [[school.teacher.id]] * 2


def test_a_pull_writes_its_audit_event_after_all_its_reads(
    client: TestClient, school: School
) -> None:
    """On SQLite the first write of a transaction takes the database's one write lock: a pull
    that wrote as it went would hold it while reading a 500-entity page, and a push or an
    audited page waiting on it could time out ("database is locked")."""
    build_pair(client, school)
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    engine = school.session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        out = sync_service.pull(session=school.session, actor=school.viewer(school.coach), cursor=0)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert sorted(c.entity for c in out.changes) == ["check_in", "commitment", "cycle"]
    first_write = statements.index("INSERT")
    assert statements[first_write:] == ["INSERT", "INSERT"]  # the event, whose records
    assert "SELECT" in statements[:first_write]


def test_nobody_outside_the_pair_pulls_it_and_a_principal_gets_only_a_shared_summary(
    client: TestClient, school: School, settings: Settings
) -> None:
    ids = build_pair(client, school)
    # A teacher of another coach (with a login), and the other coach, the admin, the
    # principals: nothing before sharing.
    home = roster_service.get_school(session=school.session, school_id=school.teacher.school_id)
    assert home is not None
    other_teacher_user = create_user(
        school.session,
        settings,
        role=Role.teacher,
        school=home,
        email="teacher2@example.org",
    )
    other_teacher = roster_service.teacher_for_user(
        session=school.session, user_id=other_teacher_user.id
    )  # type: ignore[arg-type]
    assert other_teacher is not None
    year = roster_service.list_school_years(session=school.session, district_id=home.district_id)[0]
    create_assignment(school.session, school.other_coach, other_teacher, year)
    school.session.commit()
    outsiders = [
        school.other_coach,
        other_teacher_user,
        school.principal,
        school.other_principal,
        school.admin,
    ]
    for user in outsiders:
        client.cookies.clear()
        sign_in(client, user.email)
        assert pull(client)["changes"] == [], user.email
    # Another coach cannot write to the pair: rejected, naming why.
    client.cookies.clear()
    sign_in(client, school.other_coach.email)
    sneaky = mutation(ids["check_in"], "update_check_in", 1, entity="check_in", data={"notes": "x"})
    assert results(push(client, [sneaky])) == [
        ("rejected", None, "id: Only the coach of this cycle can change its check-ins.")
    ]
    # The teacher shares the summary: the school's principal gets the cycle's summary only.
    client.cookies.clear()
    sign_in(client, school.teacher_user.email)
    share = mutation(ids["cycle"], "share_summary", 1, 1, entity="cycle", shared=True)
    assert results(push(client, [share])) == [("applied", 2, None)]
    client.cookies.clear()
    sign_in(client, school.principal.email)
    first = pull(client)
    [change] = first["changes"]
    assert (change["entity"], change["id"], change["version"]) == ("cycle", str(ids["cycle"]), 2)
    assert set(change["data"]) == SUMMARY_KEYS
    assert change["data"]["goal"] == "Students justify comparisons"
    for user in (school.other_coach, other_teacher_user, school.other_principal, school.admin):
        client.cookies.clear()
        sign_in(client, user.email)
        assert pull(client)["changes"] == [], user.email
    # Unsharing: the principal's next pull drops it (a tombstone).
    client.cookies.clear()
    sign_in(client, school.teacher_user.email)
    unshare = mutation(ids["cycle"], "share_summary", 2, 2, entity="cycle", shared=False)
    assert results(push(client, [unshare])) == [("applied", 3, None)]
    client.cookies.clear()
    sign_in(client, school.principal.email)
    [gone] = pull(client, first["cursor"])["changes"]
    assert gone == {
        "entity": "cycle",
        "id": str(ids["cycle"]),
        "version": 0,
        "deleted": True,
        "data": {},
    }


def test_bad_coaching_mutations_are_rejected_naming_the_field(
    client: TestClient, school: School
) -> None:
    sign_in(client, school.coach.email)
    cid = uuid.uuid4()
    no_goal = cycle_mutation(school, cid, 1)
    del no_goal["payload"]["data"]["goal"]
    backwards = cycle_mutation(
        school, uuid.uuid4(), 2, end_date=(TODAY - timedelta(days=1)).isoformat()
    )
    outside = cycle_mutation(school, uuid.uuid4(), 3, teacher_id=school.unassigned_teacher.id)
    no_owner = mutation(
        uuid.uuid4(),
        "create_commitment",
        4,
        entity="commitment",
        data={"cycle_id": str(cid), "check_in_id": str(uuid.uuid4()), "text": "Something"},
    )
    unknown = mutation(cid, "erase", 5, entity="cycle")
    wrong_entity = mutation(cid, "create_check_in", 6, entity="cycle", data={})
    missing = mutation(uuid.uuid4(), "update_cycle", 7, entity="cycle", data={"goal": "x"})
    assert [
        r[2]
        for r in results(
            push(client, [no_goal, backwards, outside, no_owner, unknown, wrong_entity, missing])
        )
    ] == [
        "payload.data.goal: Field required",
        "end_date: must be on or after start_date",
        f"teacher_id: Una Assigned is not in your caseload on {TODAY:%a %-d %b %Y}",
        "payload.data.owner: Field required",
        "payload.op: unknown operation 'erase'",
        "payload.op: unknown operation 'create_check_in'",
        f"id: There is no cycle {missing['id']}.",
    ]
    assert count(school.session) == {"cycles": 0, "check_ins": 0, "commitments": 0, "changes": 0}
    listed = client.get("/api/sync/quarantine", headers=API_HEADERS).json()
    assert {q["entity"] for q in listed} == {"cycle", "commitment"} and len(listed) == 7


def test_a_coaching_conflict_is_kept_and_resolved(client: TestClient, school: School) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    # On the page (version 2), the coach rewrote the goal and the evidence plan.
    page = {"op": "update_cycle", "data": {"goal": "Server goal", "evidence_plan": "Server plan"}}
    write(school, school.coach, "cycle", cycle.id, page)
    sign_in(client, school.coach.email)
    # The tablet, offline at version 1, changed the goal, the plan and the end date.
    end = (cycle.end_date + timedelta(days=7)).isoformat()
    sent = mutation(
        cycle.id,
        "update_cycle",
        1,
        1,
        entity="cycle",
        data={"goal": "Tablet goal", "evidence_plan": "Tablet plan", "end_date": end},
    )
    [(status, version, reason)] = results(push(client, [sent]))
    assert (status, version) == ("conflict", 3)  # the end date merged cleanly
    assert reason is not None and reason.startswith("goal, evidence_plan: was changed at version 2")
    school.session.refresh(cycle)
    assert (cycle.goal, cycle.evidence_plan, cycle.end_date.isoformat()) == (
        "Server goal",
        "Server plan",
        end,
    )
    listed = client.get("/api/sync/conflicts", headers=API_HEADERS).json()
    assert [
        (
            c["entity"],
            c["entity_id"],
            c["observation_id"],
            c["field"],
            c["server_value"],
            c["client_value"],
        )
        for c in listed
    ] == [
        ("cycle", str(cycle.id), None, "goal", "Server goal", "Tablet goal"),
        ("cycle", str(cycle.id), None, "evidence_plan", "Server plan", "Tablet plan"),
    ]
    [change] = pull(client)["changes"]
    assert [c["field"] for c in change["data"]["open_conflicts"]] == ["goal", "evidence_plan"]
    # The page resolves the goal with the tablet's value; a queued mutation combines the plan.
    chosen = client.post(
        "/api/sync/conflicts/resolve",
        headers=API_HEADERS,
        json={"conflict_id": listed[0]["id"], "choice": "client"},
    )
    assert chosen.status_code == 200 and chosen.json()["version"] == 4, chosen.text
    bad = mutation(
        cycle.id,
        "resolve_conflict",
        2,
        entity="cycle",
        conflict_id=listed[1]["id"],
        choice="combined",
        value="x" * 2001,
    )
    combined = mutation(
        cycle.id,
        "resolve_conflict",
        3,
        entity="cycle",
        conflict_id=listed[1]["id"],
        choice="combined",
        value="Both plans",
    )
    assert results(push(client, [bad, combined])) == [
        ("rejected", None, "payload.value: String should have at most 2000 characters"),
        ("applied", 5, None),
    ]
    school.session.refresh(cycle)
    assert (cycle.goal, cycle.evidence_plan) == ("Tablet goal", "Both plans")
    assert client.get("/api/sync/conflicts", headers=API_HEADERS).json() == []
    rows = school.session.exec(select(SyncConflict)).all()
    assert {r.resolution for r in rows} == {"client", "combined"}


def test_keeping_the_servers_reflection_still_updates_the_other_devices(
    client: TestClient, school: School
) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    check_in_id = uuid.uuid4()
    write(
        school,
        school.coach,
        "check_in",
        check_in_id,
        {
            "op": "create_check_in",
            "data": {"cycle_id": str(cycle.id), "date": TODAY.isoformat(), "kind": "planning"},
        },
    )
    write(
        school,
        school.teacher_user,
        "check_in",
        check_in_id,
        {"op": "add_check_in_reflection", "text": "Laptop"},
    )
    sign_in(client, school.teacher_user.email)
    sent = mutation(check_in_id, "add_check_in_reflection", 1, 1, entity="check_in", text="Tablet")
    [(status, version, reason)] = results(push(client, [sent]))
    assert (status, version) == ("conflict", 2)
    assert reason is not None and reason.startswith(f"reflection {school.teacher_user.id}: ")
    cursor = pull(client)["cursor"]
    [conflict] = client.get("/api/sync/conflicts", headers=API_HEADERS).json()
    keep = mutation(
        check_in_id,
        "resolve_conflict",
        2,
        entity="check_in",
        conflict_id=conflict["id"],
        choice="server",
    )
    assert results(push(client, [keep])) == [("applied", 2, None)]
    [change] = pull(client, cursor)["changes"]
    assert change["version"] == 2 and change["data"]["open_conflicts"] == []
    assert [r["text"] for r in change["data"]["reflections"]] == ["Laptop"]
    row = school.session.get(CheckIn, check_in_id)
    assert row is not None and row.version == 2


def test_the_bootstrap_offers_the_coaching_choices(client: TestClient, school: School) -> None:
    shipped = rubrics_service.load_rubric_file(Path("rubrics/nctm-practices.yaml"))
    rubrics_service.register(session=school.session, rubric=shipped)
    school.session.commit()
    sign_in(client, school.coach.email)
    body = client.get("/api/sync/bootstrap", headers=API_HEADERS).json()
    assert body["commitment_owners"] == ["teacher", "coach"]
    assert [k["id"] for k in body["check_in_kinds"]] == [
        "planning",
        "debrief",
        "student_work",
        "data_review",
        "co_teaching",
        "other",
    ]
    assert body["check_in_kinds"][0]["label"] == "Planning / pre-conference"
    focus = body["focus_options"]
    assert [o["dimension_id"] for o in focus[:8]] == [
        "goals",
        "tasks",
        "representations",
        "discourse",
        "questions",
        "fluency",
        "productive-struggle",
        "evidence",
    ]
    assert {o["rubric_id"] for o in focus[:8]} == {"nctm-practices"}
    assert focus[0]["group"] == "NCTM Mathematics Teaching Practices"
    assert {
        "rubric_id": "test-talk",
        "dimension_id": "participation",
        "label": "Participation",
        "group": "Test Talk Rubric",
    } in focus
    assert school.session.exec(select(CoachingCycle)).all() == []
