"""The reads for the pages: the teacher's overview, a cycle for the
pair, the principal's dosage (counts only) and shared summaries, the district admin's
export, and the audit events every read of coaching content writes."""

import dataclasses
import uuid
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from server.audit.models import AuditEvent
from server.coaching import reports
from server.coaching import service as coaching_service
from server.observations.operations import NotFound, PermissionDenied
from server.roster import service as roster_service
from tests.coaching.conftest import School, write
from tests.factories import (
    create_check_in,
    create_commitment,
    create_cycle,
    create_observation,
)

TODAY = date.today()


def events(school: School, action: str | None = None) -> list[tuple[int, str, str, str]]:
    school.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)  # type: ignore[arg-type]
    if action:
        query = query.where(AuditEvent.action == action)
    return [(e.user_id, e.action, e.entity, e.entity_id) for e in school.session.exec(query)]


def done(school: School, commitment_id: uuid.UUID) -> None:
    write(
        school,
        school.coach,
        "commitment",
        commitment_id,
        {"op": "update_commitment", "data": {"status": "done"}},
    )


def test_the_teachers_overview_and_a_cycle_for_the_pair_only(school: School) -> None:
    s = school.session
    cycle = create_cycle(s, school.coach, school.teacher)
    check_in = create_check_in(s, school.coach, cycle)
    mine = create_commitment(s, school.coach, check_in, due_date=TODAY - timedelta(days=1))
    done(school, create_commitment(s, school.coach, check_in, text="Finished").id)
    overview = coaching_service.teacher_overview(
        session=s, viewer=school.viewer(school.teacher_user)
    )
    assert [(r.cycle.id, r.cycle.goal, r.coach.id) for r in overview.cycles] == [
        (cycle.id, cycle.goal, school.coach.id)
    ]
    assert [(d.commitment.id, d.overdue) for d in overview.open_commitments] == [(mine.id, True)]
    assert (
        coaching_service.teacher_overview(
            session=s, viewer=school.viewer(school.other_coach)
        ).cycles
        == []
    )
    assert [
        r.cycle.id
        for r in coaching_service.cycles_for_coach(session=s, viewer=school.viewer(school.coach))
    ] == [cycle.id]
    assert (
        coaching_service.cycles_for_coach(session=s, viewer=school.viewer(school.other_coach)) == []
    )
    for member in (school.coach, school.teacher_user):
        got = coaching_service.get_cycle_for(
            session=s, viewer=school.viewer(member), cycle_id=cycle.id
        )
        assert got.id == cycle.id
    for outsider in (school.other_coach, school.principal, school.admin):
        with pytest.raises(PermissionDenied):
            coaching_service.get_cycle_for(
                session=s, viewer=school.viewer(outsider), cycle_id=cycle.id
            )
    with pytest.raises(NotFound):
        coaching_service.get_cycle_for(
            session=s, viewer=school.viewer(school.coach), cycle_id=uuid.uuid4()
        )
    reads = [(u, e, i) for u, a, e, i in events(school, "read")]
    assert reads == [
        (school.teacher_user.id, "cycle", str(cycle.id)),  # teacher_overview
        (school.coach.id, "cycle", str(cycle.id)),  # cycles_for_coach
        (school.coach.id, "cycle", str(cycle.id)),  # get_cycle_for
        (school.teacher_user.id, "cycle", str(cycle.id)),
    ]
    row = s.exec(
        select(AuditEvent).where(AuditEvent.action == "read").order_by(col(AuditEvent.id))
    ).first()
    assert row is not None and row.at is not None and row.detail == {"via": "cycles_for_teacher"}


def test_the_principal_sees_counts_and_shared_summaries_only(school: School) -> None:
    s = school.session
    year_start = roster_service.list_school_years(
        session=s, district_id=school.teacher.district_id
    )[0].start_date
    start = max(TODAY - timedelta(days=40), year_start)
    shared = create_cycle(s, school.coach, school.teacher, start=start, goal="Shared goal")
    private = create_cycle(s, school.coach, school.teacher, start=start, goal="Private goal")
    days = [max(TODAY - timedelta(days=n), start) for n in (35, 20, 1)]
    for day in days:
        create_check_in(s, school.coach, shared, on=day, notes="never shown")
    create_check_in(s, school.coach, private, on=TODAY)
    create_observation(s, school.coach, school.teacher, [school.talk])
    create_observation(s, school.other_coach, school.unassigned_teacher, [school.talk])
    write(school, school.teacher_user, "cycle", shared.id, {"op": "share_summary", "shared": True})
    principal = school.viewer(school.principal)
    home = school.teacher.school_id
    rows = reports.principal_dosage(
        session=s, viewer=principal, school_id=home, months=3, today=TODAY
    )
    assert {f.name for f in dataclasses.fields(reports.DosageRow)} == {
        "teacher_id",
        "teacher_name",
        "month",
        "check_ins",
        "observations",
    }
    months = sorted({r.month for r in rows})
    assert len(months) == 3 and months[-1] == TODAY.strftime("%Y-%m")
    expected = Counter(d.strftime("%Y-%m") for d in [*days, TODAY])
    tess = {r.month: r for r in rows if r.teacher_id == school.teacher.id}
    assert {m: r.check_ins for m, r in tess.items()} == {m: expected[m] for m in months}
    assert sum(r.observations for r in tess.values()) == 1
    una = [r for r in rows if r.teacher_id == school.unassigned_teacher.id]
    assert sum(r.observations for r in una) == 1 and sum(r.check_ins for r in una) == 0
    summaries = reports.shared_summaries(session=s, viewer=principal, school_id=home)
    assert [(x.cycle_id, x.goal, x.focus_label) for x in summaries] == [
        (shared.id, "Shared goal", "Participation")
    ]
    assert not hasattr(summaries[0], "notes")
    assert events(school, "read") == [(school.principal.id, "read", "cycle", str(shared.id))]
    for outsider in (school.other_principal, school.coach, school.admin):
        with pytest.raises(PermissionDenied):
            reports.principal_dosage(session=s, viewer=school.viewer(outsider), school_id=home)
        with pytest.raises(PermissionDenied):
            reports.shared_summaries(session=s, viewer=school.viewer(outsider), school_id=home)


def test_only_a_district_admin_exports_and_every_export_is_audited(school: School) -> None:
    s = school.session
    cycle = create_cycle(s, school.coach, school.teacher)
    check_in = create_check_in(s, school.coach, cycle, notes="Pair notes")
    create_commitment(s, school.coach, check_in, text="Number line", owner="teacher")
    write(
        school,
        school.teacher_user,
        "check_in",
        check_in.id,
        {"op": "add_check_in_reflection", "text": "Went well"},
    )
    create_cycle(s, school.coach, school.teacher, goal="No check-ins yet")
    district_id = school.teacher.district_id
    for outsider in (school.principal, school.coach, school.teacher_user):
        with pytest.raises(PermissionDenied):
            reports.export_content(
                session=s, viewer=school.viewer(outsider), district_id=district_id
            )
    assert events(school, "export") == []
    rows = reports.export_content(
        session=s, viewer=school.viewer(school.admin), district_id=district_id
    )
    assert all(list(r) == list(reports.EXPORT_COLUMNS) for r in rows)
    by_goal = {r["goal"]: r for r in rows}
    assert by_goal["No check-ins yet"]["check_in_id"] == ""
    row = by_goal[cycle.goal]
    assert (row["notes"], row["reflections"], row["kind"]) == ("Pair notes", "Went well", "debrief")
    assert row["commitments"] == "teacher: Number line [open]"
    assert row["teacher"] == "Tess Teacher" and row["focus"] == "Participation"
    assert events(school, "export") == [(school.admin.id, "export", "district", str(district_id))]
    listed = reports.audit_events(session=s, viewer=school.viewer(school.admin), action="export")
    assert [e.detail for e in listed] == [{"cycles": 2, "check_ins": 1, "rows": 2}]
    with pytest.raises(PermissionDenied):
        reports.audit_events(session=s, viewer=school.viewer(school.principal))
