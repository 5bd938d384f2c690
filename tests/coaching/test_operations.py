"""The coaching write path: defaults, every validation rule (the field named, nothing
partly saved), who may write what, idempotent repeats, the field-level merge, the change
log, and commitments (completion, carry-over)."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from server.coaching import service as coaching_service
from server.coaching.models import CheckInReflection, CoachingCycle, Commitment, CycleStatus
from server.observations.operations import (
    ConflictError,
    NotFound,
    OperationError,
    PermissionDenied,
)
from server.sync.models import SyncChange
from tests.coaching.conftest import School, count, cycle_payload, write
from tests.factories import create_check_in, create_commitment, create_cycle, create_observation

TODAY = date.today()


def refused(exc: pytest.ExceptionInfo[Any]) -> str:
    return str(exc.value)


def test_a_cycle_gets_six_weeks_active_and_the_focus_name(school: School) -> None:
    cid = uuid.uuid4()
    result = write(school, school.coach, "cycle", cid, cycle_payload(school))
    assert result == (1, True)
    cycle = school.session.get(CoachingCycle, cid)
    assert cycle is not None
    assert cycle.end_date == TODAY + timedelta(days=42)
    assert cycle.status == CycleStatus.active
    assert cycle.focus_label == "Participation"
    assert cycle.coach_id == school.coach.id and cycle.teacher_id == school.teacher.id
    assert cycle.shared_with_principal_at is None and cycle.field_versions == {}
    # The same create again is a harmless repeat; another coach may not reuse the id.
    assert write(school, school.coach, "cycle", cid, cycle_payload(school)) == (1, False)
    with pytest.raises(PermissionDenied):
        write(school, school.other_coach, "cycle", cid, cycle_payload(school))
    assert count(school.session)["changes"] == 1


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"end_date": (TODAY - timedelta(days=1)).isoformat()},
            "end_date: must be on or after start_date",
        ),
        ({"goal": "   "}, "data.goal: write it out: it may not be blank"),
        ({"goal": None}, "data.goal: Input should be a valid string"),
        ({"goal": "x" * 1001}, "data.goal: String should have at most 1000 characters"),
        ({"focus_dimension_id": "nope"}, "focus_dimension_id: 'nope' is not a dimension of"),
        ({"focus_rubric_id": "nope"}, "focus_rubric_id: there is no rubric 'nope'"),
        ({"status": "paused"}, "data.status: Input should be 'planned', 'active' or 'completed'"),
        ({"start_date": "soon"}, "data.start_date: Input should be a valid date"),
    ],
)
def test_a_bad_cycle_names_the_field_and_saves_nothing(
    school: School, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(OperationError) as exc:
        write(school, school.coach, "cycle", uuid.uuid4(), cycle_payload(school, **overrides))
    assert refused(exc).startswith(reason), refused(exc)
    assert count(school.session) == {"cycles": 0, "check_ins": 0, "commitments": 0, "changes": 0}


def test_a_missing_goal_and_a_teacher_outside_the_caseload_are_named(school: School) -> None:
    payload = cycle_payload(school)
    del payload["data"]["goal"]
    with pytest.raises(OperationError, match=r"^data\.goal: Field required"):
        write(school, school.coach, "cycle", uuid.uuid4(), payload)
    outside = cycle_payload(school, teacher_id=school.unassigned_teacher.id)
    with pytest.raises(OperationError, match=r"^teacher_id: Una Assigned is not in your caseload"):
        write(school, school.coach, "cycle", uuid.uuid4(), outside)
    with pytest.raises(OperationError, match=r"^teacher_id: there is no teacher"):
        write(school, school.coach, "cycle", uuid.uuid4(), cycle_payload(school, teacher_id=99999))
    for beyond in (0, 2**64):  # no row can have it: refused before any query
        with pytest.raises(OperationError, match=r"^data\.teacher_id: Input should be"):
            write(
                school,
                school.coach,
                "cycle",
                uuid.uuid4(),
                cycle_payload(school, teacher_id=beyond),
            )
    with pytest.raises(OperationError, match=r"^op: unknown operation 'erase'"):
        write(school, school.coach, "cycle", uuid.uuid4(), {"op": "erase"})
    with pytest.raises(OperationError, match=r"^op: unknown operation 'create_check_in'"):
        write(school, school.coach, "cycle", uuid.uuid4(), {"op": "create_check_in"})
    assert count(school.session)["cycles"] == 0


def test_updating_a_cycle_checks_dates_and_who_writes_what(school: School) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    later = (cycle.end_date + timedelta(days=1)).isoformat()
    with pytest.raises(OperationError, match=r"^start_date: must be on or before end_date"):
        write(
            school,
            school.coach,
            "cycle",
            cycle.id,
            {"op": "update_cycle", "data": {"start_date": later}},
        )
    early = (cycle.start_date - timedelta(days=1)).isoformat()
    bad = {"op": "update_cycle", "data": {"goal": "New goal", "end_date": early}}
    with pytest.raises(OperationError, match=r"^end_date: must be on or after start_date"):
        write(school, school.coach, "cycle", cycle.id, bad)
    with pytest.raises(OperationError, match=r"^goal: this is required"):
        write(
            school, school.coach, "cycle", cycle.id, {"op": "update_cycle", "data": {"goal": None}}
        )
    school.session.refresh(cycle)
    assert cycle.version == 1 and cycle.goal.startswith("80%")  # nothing partly saved
    # The coach writes everything; the teacher only the summary's progress.
    done = write(
        school,
        school.coach,
        "cycle",
        cycle.id,
        {
            "op": "update_cycle",
            "data": {"goal": "New goal", "focus_dimension_id": "press", "status": "completed"},
        },
    )
    assert done == (2, True)
    school.session.refresh(cycle)
    assert (cycle.goal, cycle.focus_label, cycle.status) == (
        "New goal",
        "Teacher's press",
        "completed",
    )
    assert cycle.field_versions == {"goal": 2, "focus_dimension_id": 2, "status": 2}
    with pytest.raises(PermissionDenied, match="Only the coach of this cycle can change its goal"):
        write(
            school,
            school.teacher_user,
            "cycle",
            cycle.id,
            {"op": "update_cycle", "data": {"goal": "Mine"}},
        )
    progress = {"op": "update_cycle", "data": {"summary_progress": "Half the class explains"}}
    assert write(school, school.teacher_user, "cycle", cycle.id, progress) == (3, True)
    for outsider in (school.other_coach, school.principal, school.admin):
        with pytest.raises(PermissionDenied):
            write(school, outsider, "cycle", cycle.id, progress)
    with pytest.raises(NotFound):
        write(school, school.coach, "cycle", uuid.uuid4(), progress)


def test_only_the_teacher_shares_the_summary(school: School) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    with pytest.raises(PermissionDenied, match="Only the teacher"):
        write(school, school.coach, "cycle", cycle.id, {"op": "share_summary", "shared": True})
    assert write(
        school, school.teacher_user, "cycle", cycle.id, {"op": "share_summary", "shared": True}
    ) == (2, True)
    assert write(
        school, school.teacher_user, "cycle", cycle.id, {"op": "share_summary", "shared": True}
    ) == (2, False)
    school.session.refresh(cycle)
    assert cycle.shared_with_principal_at is not None
    write(school, school.teacher_user, "cycle", cycle.id, {"op": "share_summary", "shared": False})
    school.session.refresh(cycle)
    assert cycle.shared_with_principal_at is None
    # The change log: the principal's scope flag is set on the write that stopped sharing.
    rows = school.session.exec(select(SyncChange).order_by(SyncChange.seq)).all()  # type: ignore[arg-type]
    assert [(r.entity, r.version, r.shared_with_principal) for r in rows] == [
        ("cycle", 1, False),
        ("cycle", 2, True),
        ("cycle", 3, True),
    ]
    assert {(r.observer_id, r.teacher_id, r.shared_with_teacher) for r in rows} == {
        (school.coach.id, school.teacher.id, True)
    }


def check_in_payload(cycle: CoachingCycle, **overrides: Any) -> dict[str, Any]:
    return {
        "op": "create_check_in",
        "data": {
            "cycle_id": str(cycle.id),
            "date": TODAY.isoformat(),
            "kind": "debrief",
            "noticed": "Pairs compared with benchmarks",
            **overrides,
        },
    }


def test_a_check_in_is_the_coachs_within_the_caseload(school: School) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    theirs = create_observation(
        school.session, school.other_coach, school.unassigned_teacher, [school.talk]
    )
    before = count(school.session)
    year_start = date(TODAY.year if TODAY.month >= 8 else TODAY.year - 1, 8, 1)
    outside = check_in_payload(cycle, date=(year_start - timedelta(days=1)).isoformat())
    on = year_start - timedelta(days=1)
    with pytest.raises(
        OperationError, match=rf"^date: Tess Teacher is not in your caseload on {on:%a %-d %b %Y}$"
    ):
        write(school, school.coach, "check_in", uuid.uuid4(), outside)
    with pytest.raises(OperationError, match=r"^cycle_id: there is no cycle"):
        write(
            school,
            school.coach,
            "check_in",
            uuid.uuid4(),
            check_in_payload(cycle, cycle_id=str(uuid.uuid4())),
        )
    with pytest.raises(OperationError, match=r"^data\.kind: Input should be"):
        write(school, school.coach, "check_in", uuid.uuid4(), check_in_payload(cycle, kind="chat"))
    with pytest.raises(OperationError, match=r"^data\.notes: String should have at most 10000"):
        write(
            school,
            school.coach,
            "check_in",
            uuid.uuid4(),
            check_in_payload(cycle, notes="x" * 10001),
        )
    with pytest.raises(OperationError, match=r"^observation_id: choose one of your own"):
        write(
            school,
            school.coach,
            "check_in",
            uuid.uuid4(),
            check_in_payload(cycle, observation_id=str(theirs.id)),
        )
    for outsider in (school.teacher_user, school.other_coach):
        with pytest.raises(PermissionDenied, match="Only the coach of this cycle"):
            write(school, outsider, "check_in", uuid.uuid4(), check_in_payload(cycle))
    assert count(school.session) == before
    mine = create_observation(school.session, school.coach, school.teacher, [school.talk])
    cid = uuid.uuid4()
    linked = check_in_payload(cycle, observation_id=str(mine.id))
    assert write(school, school.coach, "check_in", cid, linked) == (1, True)
    assert write(school, school.coach, "check_in", cid, linked) == (1, False)
    with pytest.raises(PermissionDenied):
        write(school, school.other_coach, "check_in", cid, linked)
    update = {"op": "update_check_in", "data": {"will_try": "Wait 5 seconds", "notes": None}}
    assert write(school, school.coach, "check_in", cid, update) == (2, True)
    with pytest.raises(OperationError, match=r"^date: Tess Teacher is not in your caseload"):
        write(
            school,
            school.coach,
            "check_in",
            cid,
            {"op": "update_check_in", "data": {"date": outside["data"]["date"]}},
        )
    with pytest.raises(PermissionDenied):
        write(school, school.teacher_user, "check_in", cid, update)


def test_the_teacher_reflects_on_a_check_in(school: School) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    check_in = create_check_in(school.session, school.coach, cycle)
    reflect = {"op": "add_check_in_reflection", "text": "  I rushed the launch.  "}
    assert write(school, school.teacher_user, "check_in", check_in.id, reflect) == (2, True)
    again = {"op": "add_check_in_reflection", "text": "I rushed the launch; slower next time."}
    assert write(school, school.teacher_user, "check_in", check_in.id, again) == (3, True)
    [row] = school.session.exec(select(CheckInReflection)).all()
    assert row.text == again["text"] and row.author_id == school.teacher_user.id
    with pytest.raises(OperationError, match=r"^text: String should have at least 1 character"):
        write(
            school,
            school.teacher_user,
            "check_in",
            check_in.id,
            {"op": "add_check_in_reflection", "text": " "},
        )
    for outsider in (school.coach, school.other_coach, school.principal):
        with pytest.raises(PermissionDenied, match="Only the teacher of this cycle"):
            write(school, outsider, "check_in", check_in.id, reflect)


def commitment_payload(check_in: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "op": "create_commitment",
        "data": {
            "cycle_id": str(check_in.cycle_id),
            "check_in_id": str(check_in.id),
            "text": "Use a number line in the launch",
            "owner": "teacher",
            **overrides,
        },
    }


def test_a_commitment_needs_an_owner_and_text_and_its_own_check_in(school: School) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    check_in = create_check_in(school.session, school.coach, cycle)
    other_cycle = create_cycle(school.session, school.coach, school.teacher, goal="Another")
    other_check_in = create_check_in(school.session, school.coach, other_cycle)
    before = count(school.session)
    no_owner = commitment_payload(check_in)
    del no_owner["data"]["owner"]
    with pytest.raises(OperationError, match=r"^data\.owner: Field required"):
        write(school, school.coach, "commitment", uuid.uuid4(), no_owner)
    with pytest.raises(OperationError, match=r"^data\.owner: Input should be 'teacher' or 'coach'"):
        write(
            school,
            school.coach,
            "commitment",
            uuid.uuid4(),
            commitment_payload(check_in, owner="principal"),
        )
    with pytest.raises(OperationError, match=r"^data\.text: write it out"):
        write(
            school, school.coach, "commitment", uuid.uuid4(), commitment_payload(check_in, text="")
        )
    with pytest.raises(OperationError, match=r"^check_in_id: .* is not a check-in of this cycle"):
        write(
            school,
            school.coach,
            "commitment",
            uuid.uuid4(),
            commitment_payload(check_in, check_in_id=str(other_check_in.id)),
        )
    with pytest.raises(PermissionDenied):
        write(school, school.teacher_user, "commitment", uuid.uuid4(), commitment_payload(check_in))
    assert count(school.session) == before
    mid = uuid.uuid4()
    assert write(school, school.coach, "commitment", mid, commitment_payload(check_in)) == (1, True)
    assert write(school, school.coach, "commitment", mid, commitment_payload(check_in)) == (
        1,
        False,
    )
    with pytest.raises(OperationError, match=r"^owner: a commitment needs an owner"):
        write(
            school,
            school.coach,
            "commitment",
            mid,
            {"op": "update_commitment", "data": {"owner": None}},
        )
    # Either member of the pair changes it; done records when.
    done = {"op": "update_commitment", "data": {"status": "done"}}
    assert write(school, school.teacher_user, "commitment", mid, done) == (2, True)
    row = school.session.get(Commitment, mid)
    assert row is not None and row.completed_at is not None
    reopen = {"op": "update_commitment", "data": {"status": "open", "due_date": TODAY.isoformat()}}
    assert write(school, school.coach, "commitment", mid, reopen) == (3, True)
    school.session.refresh(row)
    assert row.completed_at is None and row.due_date == TODAY
    with pytest.raises(PermissionDenied):
        write(school, school.other_coach, "commitment", mid, done)


def test_open_commitments_carry_over_to_later_check_ins(school: School) -> None:
    cycle = create_cycle(
        school.session, school.coach, school.teacher, start=TODAY - timedelta(days=21)
    )
    first = create_check_in(school.session, school.coach, cycle, on=TODAY - timedelta(days=14))
    second = create_check_in(school.session, school.coach, cycle, on=TODAY - timedelta(days=7))
    kept = create_commitment(school.session, school.coach, first, text="Open from week 1")
    finished = create_commitment(school.session, school.coach, first, text="Done in week 1")
    write(
        school,
        school.coach,
        "commitment",
        finished.id,
        {"op": "update_commitment", "data": {"status": "done"}},
    )
    newer = create_commitment(
        school.session, school.coach, second, text="Open from week 2", owner="coach"
    )
    texts = lambda rows: [r.text for r in rows]  # noqa: E731
    s = school.session
    assert texts(coaching_service.open_commitments(session=s, cycle=cycle, before=second.date)) == [
        kept.text
    ]
    assert texts(coaching_service.open_commitments(session=s, cycle=cycle, before=TODAY)) == [
        kept.text,
        newer.text,
    ]
    assert texts(coaching_service.open_commitments(session=s, cycle=cycle, before=first.date)) == []
    views = coaching_service.check_ins_of(session=s, cycle=cycle)
    assert [len(v.commitments) for v in views] == [2, 1]


def test_a_stale_base_merges_per_field_and_conflicts_on_the_same_field(school: School) -> None:
    cycle = create_cycle(school.session, school.coach, school.teacher)
    check_in = create_check_in(school.session, school.coach, cycle)
    cid = check_in.id
    upd = lambda **data: {"op": "update_check_in", "data": data}  # noqa: E731
    assert write(school, school.coach, "check_in", cid, upd(noticed="Server"), 1) == (2, True)
    # Another field, from version 1: merged.
    assert write(school, school.coach, "check_in", cid, upd(will_try="Tablet"), 1) == (3, True)
    # The same value the server has: nothing to do.
    assert write(school, school.coach, "check_in", cid, upd(noticed="Server"), 1) == (3, False)
    with pytest.raises(ConflictError) as exc:
        write(school, school.coach, "check_in", cid, upd(noticed="Tablet", notes="x"), 1)
    assert exc.value.field == "noticed" and exc.value.current == "Server"
    assert str(exc.value).startswith("noticed: was changed at version 2 after your version 1")
    with pytest.raises(OperationError, match=r"^base_version: 9 is newer than the check-in's"):
        write(school, school.coach, "check_in", cid, upd(notes="y"), 9)
    school.session.refresh(check_in)
    assert check_in.notes == "" and check_in.version == 3
