"""OneRoster 1.1 CSV (orgs.csv, users.csv, academicSessions.csv) -> an import plan."""

import re
from dataclasses import dataclass
from datetime import date

from server.accounts.models import Role
from server.roster.import_plan import (
    FILE,
    DistrictPlan,
    ImportPlan,
    PersonPlan,
    Problems,
    RolePlan,
    Row,
    SchoolPlan,
    SourceFile,
    TeacherPlan,
    YearPlan,
    check_length,
    email_problem,
    find_duplicates,
    read_csv,
)

ORGS, USERS, SESSIONS = "orgs.csv", "users.csv", "academicSessions.csv"
ORG_TYPES = {"district", "school", "department", "local", "state", "national"}
STAFF_ROLES = {"teacher", "administrator"}
# Everyone else on a OneRoster roster; Cadence has no use for them.
OTHER_ROLES = {"student", "parent", "guardian", "aide", "relative", "proctor"}
SESSION_TYPES = {"schoolyear", "term", "semester", "gradingperiod"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class _Org:
    sourced_id: str
    type: str
    active: bool
    district_key: str | None  # for schools: the district they belong to


def _is_active(row: Row, problems: Problems) -> bool:
    """OneRoster bulk files leave status blank; delta files say active or tobedeleted."""
    status = row.get("status").lower()
    if status not in {"", "active", "tobedeleted"}:
        problems.at(row, "status", f"{row.get('status')!r} is not active or tobedeleted")
    return status != "tobedeleted"


def _orgs(rows: list[Row], file: str, plan: ImportPlan, problems: Problems) -> dict[str, _Org]:
    find_duplicates(rows=rows, column="sourcedId", problems=problems)
    typed = []
    for row in rows:
        org_type = row.get("type").lower()
        if not row.get("sourcedId"):
            problems.at(row, "sourcedId", "required")
        if not row.get("name"):
            problems.at(row, "name", "required")
        check_length(row=row, column="name", limit=200, problems=problems)
        check_length(row=row, column="sourcedId", limit=255, problems=problems)
        if org_type not in ORG_TYPES:
            problems.at(
                row, "type", f"{row.get('type')!r} is not one of {', '.join(sorted(ORG_TYPES))}"
            )
        typed.append((row, org_type, _is_active(row, problems)))
    districts = {r.get("sourcedId") for r, t, active in typed if t == "district" and active}
    if not districts:
        problems.add(file, 1, "type", "orgs.csv needs an active org of type district")
    orgs: dict[str, _Org] = {}
    for row, org_type, active in typed:
        sid = row.get("sourcedId")
        district_key = sid if org_type == "district" else None
        if org_type == "district" and active:
            plan.districts.append(DistrictPlan(sid, row.get("name"), sid, row.origin))
        elif org_type == "school" and active:
            district_key = _parent_district(row, districts, problems)
            plan.schools.append(
                SchoolPlan(sid, district_key or "", row.get("name"), None, sid, row.origin)
            )
        else:
            plan.skip("schools")
        orgs.setdefault(sid, _Org(sid, org_type, active, district_key))
    return orgs


def _parent_district(row: Row, districts: set[str], problems: Problems) -> str | None:
    parent = row.get("parentSourcedId")
    if not parent:
        if len(districts) == 1:
            return next(iter(districts))
        if districts:
            problems.at(row, "parentSourcedId", "required when orgs.csv has several districts")
        return None
    if parent not in districts:
        problems.at(row, "parentSourcedId", f"{parent!r} is not an active district in orgs.csv")
        return None
    return parent


def _sessions(rows: list[Row], plan: ImportPlan, problems: Problems) -> None:
    years = [row for row in rows if row.get("type").lower() == "schoolyear"]
    find_duplicates(rows=rows, column="sourcedId", problems=problems)
    find_duplicates(rows=years, column="title", problems=problems)
    for row in rows:
        kind = row.get("type").lower()
        if not row.get("sourcedId"):
            problems.at(row, "sourcedId", "required")
        if kind not in SESSION_TYPES:
            problems.at(row, "type", f"{row.get('type')!r} is not a OneRoster session type")
        active = _is_active(row, problems)
        if kind != "schoolyear" or not active:
            plan.skip("school years")
            continue
        title = row.get("title")
        if not 4 <= len(title) <= 40:
            problems.at(row, "title", "required, 4 to 40 characters (e.g. 2025-26)")
        start, end = _date(row, "startDate", problems), _date(row, "endDate", problems)
        if start and end and end <= start:
            problems.at(row, "endDate", f"{end} is not after startDate {start}")
        if start and end:
            plan.years.append(
                YearPlan(title, row.get("sourcedId"), (start, end), True, row.origin, "title")
            )


def _date(row: Row, column: str, problems: Problems) -> date | None:
    value = row.get(column)
    try:
        if ISO_DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    problems.at(row, column, f"{value!r} is not a date like 2025-08-15")
    return None


def _flag(row: Row, column: str, problems: Problems) -> bool:
    value = row.get(column).lower()
    if value not in {"", "true", "false"}:
        problems.at(row, column, f"{row.get(column)!r} is not true or false")
    return value != "false"


def _users(rows: list[Row], orgs: dict[str, _Org], plan: ImportPlan, problems: Problems) -> None:
    find_duplicates(rows=rows, column="sourcedId", problems=problems)
    staff = []
    for row in rows:
        role = row.get("role").lower()
        if role in OTHER_ROLES:
            plan.skip("people")
        elif role in STAFF_ROLES:
            staff.append(row)
        else:
            allowed = ", ".join(sorted(STAFF_ROLES | OTHER_ROLES))
            problems.at(row, "role", f"{row.get('role')!r} is not a OneRoster role ({allowed})")
    for role in STAFF_ROLES:
        find_duplicates(
            rows=[r for r in staff if r.get("role").lower() == role],
            column="email",
            problems=problems,
        )
    for row in staff:
        _staff_row(row, orgs, plan, problems)


def _teacher(
    row: Row,
    name: str,
    email: str | None,
    school: _Org | None,
    *,
    active: bool,
    only_existing: bool = False,
) -> TeacherPlan:
    return TeacherPlan(
        source_id=row.get("sourcedId"),
        name=name,
        email=email,
        district_key=school.district_key if school else None,
        school_key=school.sourced_id if school else None,
        active=active,
        only_existing=only_existing,
        cohort=None,  # OneRoster has no notion of a coaching cohort
        coach_email=None,
        origin=row.origin,
    )


def _staff_row(row: Row, orgs: dict[str, _Org], plan: ImportPlan, problems: Problems) -> None:
    sid, is_teacher = row.get("sourcedId"), row.get("role").lower() == "teacher"
    active = _is_active(row, problems)
    enabled = _flag(row, "enabledUser", problems)
    for column in ("sourcedId", "givenName", "familyName"):
        if not row.get(column):
            problems.at(row, column, "required")
    name = f"{row.get('givenName')} {row.get('familyName')}".strip()
    if len(name) > 200:
        problems.at(row, "familyName", "givenName and familyName: at most 200 characters")
    check_length(row=row, column="sourcedId", limit=255, problems=problems)
    email = row.get("email").lower() or None
    if email and (message := email_problem(email)):
        problems.at(row, "email", message)
    if not active:
        # Deactivation needs only the sourcedId: the school may be gone already.
        if is_teacher:
            plan.teachers.append(_teacher(row, name, email, None, active=False, only_existing=True))
        else:
            plan.people.append(
                PersonPlan(sid, name, email, False, only_existing=True, roles=(), origin=row.origin)
            )
        return
    refs = [ref.strip() for ref in row.get("orgSourcedIds").split(",") if ref.strip()]
    missing = [ref for ref in refs if ref not in orgs]
    if not refs:
        problems.at(row, "orgSourcedIds", "required: the school(s) this person works at")
    elif missing:
        problems.at(row, "orgSourcedIds", f"not in orgs.csv: {', '.join(missing)}")
        return
    usable = [orgs[ref] for ref in refs if orgs[ref].active]
    schools = [org for org in usable if org.type == "school"]
    if is_teacher:
        if refs and not schools:
            problems.at(row, "orgSourcedIds", "none of these orgs is an active school")
            return
        school = schools[0] if schools else None
        plan.teachers.append(_teacher(row, name, email, school, active=enabled))
        return
    if not email:
        problems.at(row, "email", "required for an administrator: it is their sign-in")
    roles = [
        RolePlan(Role.principal, org.district_key or "", org.sourced_id) for org in schools
    ] + [
        RolePlan(Role.district_admin, org.sourced_id, None)
        for org in usable
        if org.type == "district"
    ]
    if refs and not roles:
        problems.at(row, "orgSourcedIds", "none of these orgs is an active school or district")
    plan.people.append(
        PersonPlan(
            sid, name, email, enabled, only_existing=False, roles=tuple(roles), origin=row.origin
        )
    )


def parse_oneroster(*, files: dict[str, SourceFile], problems: Problems) -> ImportPlan:
    """Plan a OneRoster import; `files` is keyed by lower-cased file name."""
    plan = ImportPlan(format="OneRoster 1.1")
    for name in (ORGS, USERS):
        if name.lower() not in files:
            problems.add(name, 1, FILE, f"{name} is missing: a OneRoster import needs {name}")
    if problems.items:
        return plan
    before = len(problems.items)
    org_rows = read_csv(
        source=files[ORGS],
        required=["sourcedId", "name", "type"],
        optional=["status", "parentSourcedId"],
        problems=problems,
    )
    # An unreadable orgs.csv would make every user's orgSourcedIds a (false) second problem.
    orgs_readable = bool(org_rows) or len(problems.items) == before
    orgs = _orgs(org_rows, files[ORGS].name, plan, problems) if orgs_readable else {}
    if SESSIONS.lower() in files:
        session_rows = read_csv(
            source=files[SESSIONS.lower()],
            required=["sourcedId", "title", "type", "startDate", "endDate"],
            optional=["status"],
            problems=problems,
        )
        _sessions(session_rows, plan, problems)
    user_rows = read_csv(
        source=files[USERS],
        required=["sourcedId", "role", "givenName", "familyName", "orgSourcedIds"],
        optional=["status", "enabledUser", "email"],
        problems=problems,
    )
    if orgs_readable:
        _users(user_rows, orgs, plan, problems)
    return plan
