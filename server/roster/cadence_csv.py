"""The Cadence roster CSV (one file, one row per person) -> an import plan."""

import re
from datetime import date

from server.accounts.models import DISTRICT_WIDE_ROLES, Role
from server.roster.import_plan import (
    DistrictPlan,
    ImportPlan,
    Origin,
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
from server.roster.models import SchoolLevel

REQUIRED = ["source_id", "name", "role"]
OPTIONAL = ["email", "school", "school_level", "cohort", "coach_email"]
COLUMNS = [*REQUIRED, *OPTIONAL]
ROLES = [
    role.value
    for role in (Role.teacher, Role.coach, Role.principal, Role.district_admin, Role.specialist)
]
LEVELS = [level.value for level in SchoolLevel]
COHORT = re.compile(r"^(\d{4})-(\d{2})$")
DISTRICT_KEY = ""


def cohort_dates(name: str) -> tuple[date, date] | None:
    """2025-26 -> Aug 15 2025 .. Jun 30 2026 (the demo calendar); None if not that shape."""
    match = COHORT.match(name)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        return None
    start = int(match[1])
    return date(start, 8, 15), date(start + 1, 6, 30)


def _email(row: Row, column: str, problems: Problems) -> str | None:
    value = row.get(column).lower()
    if value and (message := email_problem(value)):
        problems.at(row, column, message)
    return value or None


def _school(row: Row, role: str, schools: dict[str, SchoolPlan], problems: Problems) -> str | None:
    name, level_text = row.get("school"), row.get("school_level").lower()
    level = None
    if level_text and level_text not in LEVELS:
        problems.at(
            row, "school_level", f"{row.get('school_level')!r} is not one of {', '.join(LEVELS)}"
        )
    elif level_text:
        level = SchoolLevel(level_text)
    if role in DISTRICT_WIDE_ROLES:
        if name:
            label = Role(role).label.lower()
            problems.at(row, "school", f"leave blank: a {label} works for the whole district")
        return None
    if not name:
        problems.at(row, "school", f"required for a {role}")
        return None
    check_length(row=row, column="school", limit=200, problems=problems)
    known = schools.get(name)
    if known is None:
        schools[name] = SchoolPlan(name, DISTRICT_KEY, name, level, None, row.origin)
    elif level and known.level and level != known.level:
        problems.at(row, "school_level", f"{name} is {known.level} on line {known.origin.line}")
    elif level and not known.level:
        schools[name] = SchoolPlan(name, DISTRICT_KEY, name, level, None, known.origin)
    return name


def _cohort(row: Row, years: dict[str, YearPlan], problems: Problems) -> str | None:
    name = row.get("cohort")
    if not name:
        return None
    dates = cohort_dates(name)
    if dates is None and COHORT.match(name):
        problems.at(row, "cohort", f"{name!r} is not a school year like 2025-26")
        return None
    if not 4 <= len(name) <= 40:
        problems.at(row, "cohort", "4 to 40 characters, e.g. 2025-26")
        return None
    years.setdefault(name, YearPlan(name, None, dates, False, row.origin, "cohort"))
    return name


def _row(
    row: Row,
    plan: ImportPlan,
    schools: dict[str, SchoolPlan],
    years: dict[str, YearPlan],
    problems: Problems,
) -> None:
    role = row.get("role").lower()
    for column in ("source_id", "name"):
        if not row.get(column):
            problems.at(row, column, "required")
    check_length(row=row, column="name", limit=200, problems=problems)
    check_length(row=row, column="source_id", limit=255, problems=problems)
    # Check the email before the role, so a row with both wrong reports both.
    email = _email(row, "email", problems)
    if role not in ROLES:
        problems.at(row, "role", f"{row.get('role')!r} is not one of {', '.join(ROLES)}")
        return
    school = _school(row, role, schools, problems)
    if role != Role.teacher:
        for column in ("cohort", "coach_email"):
            if row.get(column):
                problems.at(row, column, "only teachers have one; leave blank")
        if not email:
            problems.at(row, "email", f"required for a {role}: it is their sign-in")
        roles = (RolePlan(Role(role), DISTRICT_KEY, school),)
        source_id, name = row.get("source_id"), row.get("name")
        person = PersonPlan(
            source_id, name, email, True, only_existing=False, roles=roles, origin=row.origin
        )
        plan.people.append(person)
        return
    cohort = _cohort(row, years, problems)
    coach_email = _email(row, "coach_email", problems)
    plan.teachers.append(
        TeacherPlan(
            source_id=row.get("source_id"),
            name=row.get("name"),
            email=email,
            district_key=DISTRICT_KEY,
            school_key=school,
            active=True,
            only_existing=False,
            cohort=cohort,
            coach_email=coach_email,
            origin=row.origin,
        )
    )


def _check_coaches(rows: list[Row], problems: Problems) -> None:
    """A coach_email naming someone in this file must name a coach; others are looked up later."""
    coaches = {r.get("email").lower() for r in rows if r.get("role").lower() == Role.coach}
    others = {r.get("email").lower(): r for r in rows if r.get("email")}
    for row in rows:
        coach_email = row.get("coach_email").lower()
        other = others.get(coach_email)
        if coach_email and coach_email not in coaches and other is not None:
            problems.at(
                row,
                "coach_email",
                f"{coach_email} is a {other.get('role')} on line {other.line}, not a coach",
            )


def parse_cadence_csv(
    *, source: SourceFile, district_name: str | None, problems: Problems
) -> ImportPlan:
    """Plan an import of our own one-file format into one district."""
    plan = ImportPlan(format="Cadence roster CSV")
    rows = read_csv(source=source, required=REQUIRED, optional=OPTIONAL, problems=problems)
    plan.districts.append(DistrictPlan(DISTRICT_KEY, district_name, None, Origin(source.name, 1)))
    find_duplicates(rows=rows, column="source_id", problems=problems)
    # Teachers are roster entries, everyone else a sign-in: each needs its own email.
    for is_teacher in (True, False):
        find_duplicates(
            rows=[r for r in rows if (r.get("role").lower() == Role.teacher) == is_teacher],
            column="email",
            problems=problems,
        )
    schools: dict[str, SchoolPlan] = {}
    years: dict[str, YearPlan] = {}
    for row in rows:
        _row(row, plan, schools, years, problems)
    _check_coaches(rows, problems)
    plan.schools = list(schools.values())
    plan.years = list(years.values())
    return plan
