"""Coaching seen from outside the pair: the principal's dosage counts (no content) and the
summaries teachers chose to share, the district admin's audited export, and the audit log.
docs/coaching.md."""

import csv
import io
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, and_, col, or_, select

from server.accounts.models import Membership, Role, User
from server.accounts.service import Viewer
from server.audit import service as audit_service
from server.audit.models import AuditEvent, AuditEventTeacher
from server.coaching.models import (
    CheckIn,
    CheckInReflection,
    CoachingCycle,
    Commitment,
)
from server.observations.models import Observation
from server.observations.operations import PermissionDenied
from server.roster.models import School, Teacher


def _principal_of(viewer: Viewer, school_id: int) -> None:
    if school_id not in viewer.school_ids(Role.principal):
        raise PermissionDenied("Only a principal of this school can see this.")


def _months(count: int, today: date) -> list[str]:
    """The last `count` calendar months up to today's, oldest first, as "YYYY-MM"."""
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


@dataclass(frozen=True)
class DosageRow:
    """How often a teacher was coached in a month: counts only, never content."""

    teacher_id: int
    teacher_name: str
    month: str  # "YYYY-MM"
    check_ins: int
    observations: int


def principal_dosage(
    *,
    session: Session,
    viewer: Viewer,
    school_id: int,
    months: int = 6,
    today: date | None = None,
) -> list[DosageRow]:
    """Per active teacher of the school (by name) per month (the last `months` up to
    today's, oldest first): how many check-ins (any coach's, by date) and observations (by
    lesson date, UTC) there were. Zeros included. PermissionDenied unless the viewer is a
    principal of the school."""
    _principal_of(viewer, school_id)
    month_list = _months(max(1, months), today or date.today())
    teachers = session.exec(
        select(Teacher)
        .where(Teacher.school_id == school_id, col(Teacher.active).is_(True))
        .order_by(col(Teacher.name))
    ).all()
    ids = [t.id for t in teachers]
    first = date.fromisoformat(month_list[0] + "-01")
    check_ins: Counter[tuple[int, str]] = Counter(
        (teacher_id, day.strftime("%Y-%m"))
        for teacher_id, day in session.exec(
            select(col(CoachingCycle.teacher_id), col(CheckIn.date))
            .join(CoachingCycle, col(CoachingCycle.id) == CheckIn.cycle_id)
            .where(col(CoachingCycle.teacher_id).in_(ids), col(CheckIn.date) >= first)
        )
    )
    since = datetime(first.year, first.month, 1, tzinfo=UTC)
    observations: Counter[tuple[int, str]] = Counter(
        (teacher_id, at.astimezone(UTC).strftime("%Y-%m"))
        for teacher_id, at in session.exec(
            select(Observation.teacher_id, Observation.observed_at).where(
                col(Observation.teacher_id).in_(ids),
                col(Observation.observed_at) >= since,
                col(Observation.pair_of).is_(None),  # a co-observed lesson is one visit
            )
        )
    )
    out = []
    for t in teachers:
        assert t.id is not None
        for m in month_list:
            out.append(
                DosageRow(
                    teacher_id=t.id, teacher_name=t.name, month=m,
                    check_ins=check_ins[(t.id, m)], observations=observations[(t.id, m)],
                )
            )  # fmt: skip
    return out


@dataclass(frozen=True)
class SharedSummary:
    """A cycle's summary as the teacher shared it with the principal: no notes."""

    cycle_id: uuid.UUID
    teacher_id: int
    teacher_name: str
    focus_label: str
    goal: str
    summary_progress: str
    status: str
    start_date: date
    end_date: date
    shared_at: datetime


def shared_summaries(*, session: Session, viewer: Viewer, school_id: int) -> list[SharedSummary]:
    """The cycle summaries the school's teachers chose to share with their principal,
    newest cycle first. PermissionDenied unless the viewer is a principal of the school.
    Audited (a read of each cycle)."""
    _principal_of(viewer, school_id)
    rows = session.exec(
        select(CoachingCycle, Teacher)
        .join(Teacher, col(Teacher.id) == CoachingCycle.teacher_id)
        .where(
            Teacher.school_id == school_id,
            col(CoachingCycle.shared_with_principal_at).is_not(None),
        )
        .order_by(col(CoachingCycle.start_date).desc(), col(Teacher.name))
    ).all()
    out = []
    for cycle, teacher in rows:
        assert cycle.shared_with_principal_at is not None
        out.append(
            SharedSummary(
                cycle_id=cycle.id, teacher_id=cycle.teacher_id, teacher_name=teacher.name,
                focus_label=cycle.focus_label, goal=cycle.goal,
                summary_progress=cycle.summary_progress, status=cycle.status.value,
                start_date=cycle.start_date, end_date=cycle.end_date,
                shared_at=cycle.shared_with_principal_at,
            )
        )  # fmt: skip
        audit_service.record(
            session=session, user_id=viewer.id, action="read", entity="cycle",
            entity_id=cycle.id, detail={"via": "shared_summaries"},
            teacher_ids=[cycle.teacher_id],
        )  # fmt: skip
    if out:
        session.commit()
    return out


EXPORT_COLUMNS = (
    "school",
    "teacher",
    "coach",
    "cycle_id",
    "focus",
    "goal",
    "evidence_plan",
    "cycle_status",
    "start_date",
    "end_date",
    "summary_progress",
    "check_in_id",
    "check_in_date",
    "kind",
    "evidence_examined",
    "noticed",
    "will_try",
    "look_for_next",
    "notes",
    "student_work",
    "commitments",
    "reflections",
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value.value if hasattr(value, "value") else value)


def export_content(*, session: Session, viewer: Viewer, district_id: int) -> list[dict[str, str]]:
    """Every cycle of the district's teachers with its check-ins (one row per check-in; a
    cycle without any gets one row), columns EXPORT_COLUMNS, for a CSV. Commitments and
    reflections are joined into one cell each. Only a district admin of the district, and
    always audited: one "export" event (entity "district") with the counts, committed
    before the rows are returned."""
    if district_id not in viewer.district_ids(Role.district_admin):
        raise PermissionDenied("Only a district admin of this district can export.")
    cycles = session.exec(
        select(CoachingCycle, Teacher, School, User)
        .join(Teacher, col(Teacher.id) == CoachingCycle.teacher_id)
        .join(School, col(School.id) == Teacher.school_id)
        .join(User, col(User.id) == CoachingCycle.coach_id)
        .where(Teacher.district_id == district_id)
        .order_by(col(School.name), col(Teacher.name), col(CoachingCycle.start_date))
    ).all()
    ids = [c.id for c, _t, _s, _u in cycles]
    check_ins = session.exec(
        select(CheckIn)
        .where(col(CheckIn.cycle_id).in_(ids))
        .order_by(col(CheckIn.date), col(CheckIn.created_at))
    ).all()
    commitments = session.exec(
        select(Commitment)
        .where(col(Commitment.cycle_id).in_(ids))
        .order_by(col(Commitment.created_at))
    ).all()
    reflections = session.exec(
        select(CheckInReflection).where(
            col(CheckInReflection.check_in_id).in_([c.id for c in check_ins])
        )
    ).all()
    rows: list[dict[str, str]] = []
    for cycle, teacher, school, coach in cycles:
        base = {
            "school": school.name, "teacher": teacher.name, "coach": coach.name,
            "cycle_id": str(cycle.id), "focus": cycle.focus_label, "goal": cycle.goal,
            "evidence_plan": cycle.evidence_plan, "cycle_status": _text(cycle.status),
            "start_date": _text(cycle.start_date), "end_date": _text(cycle.end_date),
            "summary_progress": cycle.summary_progress,
        }  # fmt: skip
        mine: list[CheckIn | None] = [c for c in check_ins if c.cycle_id == cycle.id]
        for check_in in mine or [None]:
            row = {name: "" for name in EXPORT_COLUMNS} | base
            if check_in is not None:
                row |= {
                    "check_in_id": str(check_in.id), "check_in_date": _text(check_in.date),
                    "kind": _text(check_in.kind), "evidence_examined": check_in.evidence_examined,
                    "noticed": check_in.noticed, "will_try": check_in.will_try,
                    "look_for_next": check_in.look_for_next, "notes": check_in.notes,
                    "student_work": check_in.student_work,
                    "commitments": "\n".join(
                        f"{_text(m.owner)}: {m.text} [{_text(m.status)}"
                        + (f", due {_text(m.due_date)}]" if m.due_date else "]")
                        for m in commitments
                        if m.check_in_id == check_in.id
                    ),
                    "reflections": "\n".join(
                        r.text for r in reflections if r.check_in_id == check_in.id
                    ),
                }  # fmt: skip
            rows.append(row)
    audit_service.record(
        session=session, user_id=viewer.id, action="export", entity="district",
        entity_id=district_id,
        detail={"cycles": len(cycles), "check_ins": len(check_ins), "rows": len(rows)},
    )  # fmt: skip
    session.commit()
    return rows


def audit_events(
    *,
    session: Session,
    viewer: Viewer,
    entity: str | None = None,
    entity_id: object = None,
    user_id: int | None = None,
    action: str | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """The audit log, newest first, filtered by any of entity (and entity_id), user and
    action. Only a district admin may list it (PermissionDenied otherwise)."""
    if not viewer.has_role(Role.district_admin):
        raise PermissionDenied("Only a district admin can read the audit log.")
    return audit_service.list_events(
        session=session, entity=entity, entity_id=entity_id, user_id=user_id, action=action,
        limit=limit,
    )  # fmt: skip


# --- For the pages: the dosage as a table, the export as CSV, the district's audit log -------


@dataclass(frozen=True)
class DosageTable:
    """principal_dosage as a table: one row per teacher, one column per month."""

    months: list[str]  # "YYYY-MM", oldest first
    teachers: list[tuple[str, list[DosageRow]]]  # (name, the months' rows in order), by name


def dosage_table(*, rows: list[DosageRow]) -> DosageTable:
    months = list(dict.fromkeys(r.month for r in rows))
    by_teacher: dict[int, list[DosageRow]] = {}
    for row in rows:
        by_teacher.setdefault(row.teacher_id, []).append(row)
    teachers = [(cells[0].teacher_name, cells) for cells in by_teacher.values()]
    return DosageTable(months=months, teachers=teachers)


# A cell starting with one of these is a formula to a spreadsheet: it gets a leading "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_csv(*, rows: list[dict[str, str]]) -> str:
    """export_content's rows as CSV text (a header of EXPORT_COLUMNS, then the rows). Text
    that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "'" + v if v.startswith(_FORMULA_START) else v for k, v in row.items()})
    return out.getvalue()


# "changes" stands for every change of access (audit_service.CHANGE_ACTIONS).
AUDIT_ACTIONS = ("read", "sync_read", "export", "changes", *audit_service.CHANGE_ACTIONS)
AUDIT_ENTITIES = (
    "cycle", "check_in", "commitment", "sync", "district", "user", "teacher", "assignment",
)  # fmt: skip
AUDIT_PAGE_SIZE = 50
# Events about a teacher by their roster id rather than through audit_event_teacher: a
# principal's read of their growth page, a change of their roster record.
_ABOUT_A_TEACHER = ("growth", "teacher")


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    user: User | None  # who; None for the command line
    teachers: list[str]  # whose records it read or carried (names, by name)


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log, newest first; the neighbours are found by id, so a page
    stays the same while new events arrive."""

    rows: list[AuditRow]
    total: int  # the events matching the filters, on every page
    older: int | None  # the `before` of the next page (older events); None: none older
    newer: int | None  # the `after` of the previous page (newer events); None: none newer


def _in_district(district_id: int) -> sa.ColumnElement[bool]:
    """The district's events: of people with a role in it, of people with no role left (so
    nobody drops out of sight), and the command line's changes to someone of it."""
    in_district = select(Membership.user_id).where(Membership.district_id == district_id)
    with_a_role = select(Membership.user_id)
    about_the_district = select(sa.cast(Membership.user_id, sa.String)).where(
        Membership.district_id == district_id
    )
    return or_(
        col(AuditEvent.user_id).in_(in_district),
        col(AuditEvent.user_id).not_in(with_a_role),
        and_(
            col(AuditEvent.user_id).is_(None),
            AuditEvent.entity == "user",
            col(AuditEvent.entity_id).in_(about_the_district),
        ),
    )


def audit_log(
    *,
    session: Session,
    viewer: Viewer,
    district_id: int,
    entity: str | None = None,
    entity_id: str | None = None,
    user_id: int | None = None,
    teacher_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """A page of the district's audit log for its district admins, newest first: `limit`
    events with an id below `before` (or the newest), or the `limit` just above `after`,
    filtered by any of entity (and entity_id), who (user), whose records (teacher), action
    and time (since <= at < until). PermissionDenied unless the viewer is a district admin
    of the district."""
    if district_id not in viewer.district_ids(Role.district_admin):
        raise PermissionDenied("Only a district admin of this district can read its audit log.")
    where = [_in_district(district_id)]
    if entity is not None:
        where.append(col(AuditEvent.entity) == entity)
    if entity_id is not None:
        where.append(col(AuditEvent.entity_id) == entity_id)
    if user_id is not None:
        where.append(col(AuditEvent.user_id) == user_id)
    if teacher_id is not None:
        read = select(AuditEventTeacher.audit_event_id).where(
            AuditEventTeacher.teacher_id == teacher_id
        )
        where.append(
            or_(
                col(AuditEvent.id).in_(read),
                and_(
                    col(AuditEvent.entity).in_(_ABOUT_A_TEACHER),
                    AuditEvent.entity_id == str(teacher_id),
                ),
            )
        )
    if action == "changes":
        where.append(col(AuditEvent.action).in_(audit_service.CHANGE_ACTIONS))
    elif action is not None:
        where.append(col(AuditEvent.action) == action)
    if since is not None:
        where.append(col(AuditEvent.at) >= since)
    if until is not None:
        where.append(col(AuditEvent.at) < until)
    query = select(AuditEvent, User).outerjoin(User, col(User.id) == AuditEvent.user_id)
    event_id = col(AuditEvent.id)
    if after is not None:
        found = session.exec(
            query.where(*where, event_id > after).order_by(event_id).limit(limit)
        ).all()[::-1]
    else:
        below = [event_id < before] if before is not None else []
        found = session.exec(
            query.where(*where, *below).order_by(event_id.desc()).limit(limit)
        ).all()
    total = session.exec(select(sa.func.count()).select_from(AuditEvent).where(*where)).one()
    if not found:
        return AuditPage(rows=[], total=total, older=None, newer=None)
    newest, oldest = found[0][0].id, found[-1][0].id
    assert newest is not None and oldest is not None

    def any_where(*more: sa.ColumnElement[bool]) -> bool:
        return session.exec(select(event_id).where(*where, *more).limit(1)).first() is not None

    names = _teacher_names(session, [e.id for e, _ in found if e.id is not None])
    return AuditPage(
        rows=[AuditRow(event=e, user=u, teachers=names.get(e.id, [])) for e, u in found],
        total=total,
        older=oldest if any_where(event_id < oldest) else None,
        newer=newest if any_where(event_id > newest) else None,
    )


def _teacher_names(session: Session, event_ids: list[int]) -> dict[int | None, list[str]]:
    """Whose records each event read (audit_event_teacher), by name."""
    out: dict[int | None, list[str]] = {}
    rows = session.exec(
        select(AuditEventTeacher.audit_event_id, Teacher.name)
        .join(Teacher, col(Teacher.id) == AuditEventTeacher.teacher_id)
        .where(col(AuditEventTeacher.audit_event_id).in_(event_ids))
        .order_by(col(Teacher.name))
    )
    for event_id, name in rows:
        out.setdefault(event_id, []).append(name)
    return out
