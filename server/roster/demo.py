"""The demo district: four schools, coaches, teachers in two cohorts, two completed school
years and the current one. One coach moved schools over last year's winter break."""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from server.accounts import service as accounts_service
from server.accounts.models import Membership, Role, User, UserCreate
from server.config import Settings
from server.roster import service as roster_service
from server.roster.models import (
    CoachAssignmentCreate,
    District,
    School,
    SchoolCreate,
    SchoolLevel,
    SchoolYearCreate,
    TeacherCreate,
)

DEMO_DISTRICT = "Maple Valley Unified (demo)"
DEMO_PASSWORD = "cadence-demo-2026"
DEMO_DOMAIN = "maplevalley.example"
TEACHERS_WITH_LOGIN = 20
SPECIALIST = "Renee Castillo"  # the district's math specialist: codes calibration lessons

SCHOOLS = [
    ("Cedar Elementary", SchoolLevel.elementary),
    ("Birchwood Elementary", SchoolLevel.elementary),
    ("Riverside Middle", SchoolLevel.middle),
    ("Maple Valley High", SchoolLevel.high),
]
# (first name, last name, school index: where they coached when the program began)
COACHES = [
    ("Maria", "Lopez", 0), ("Daniel", "Okafor", 1), ("Priya", "Shah", 2),
    ("Tom", "Becker", 2), ("Aisha", "Rahman", 3), ("Luis", "Ortega", 3),
]  # fmt: skip
PRINCIPALS = [
    ("Grace", "Kim", 0),
    ("Henry", "Walsh", 1),
    ("Nadia", "Petrova", 2),
    ("Samuel", "Adeyemi", 3),
]
# Tom Becker moved from Riverside Middle to Maple Valley High over last year's winter break:
# his Riverside pairs ended there and Priya Shah took his teachers over. This year he coaches
# two of the high school's teachers, whom Aisha Rahman and Luis Ortega coached last year.
MOVED_COACH = 3  # Tom Becker (index in COACHES)
MOVED_TO_SCHOOL = 3  # Maple Valley High
SUCCESSOR = 2  # Priya Shah
MOVED_COACH_NEW_TEACHERS = (16, 17)  # Quinn Murphy, Rosa Diaz (this year)
FIRST_TEACHERS = [
    "Ana Torres", "Ben Carter", "Chloe Nguyen", "David Cohen", "Elena Rossi", "Farah Haddad",
    "George Miller", "Hana Sato", "Isaac Brown", "Julia Novak", "Kofi Mensah", "Laura Schmidt",
    "Marcus Lee", "Nina Ivanova", "Omar Farouk", "Paula Mendes", "Quinn Murphy", "Rosa Diaz",
    "Sam Patel", "Tara O'Neill", "Umar Siddiqui", "Vera Lindqvist", "Will Turner", "Yuki Tanaka",
]  # fmt: skip
# Cedar Elementary's program is the biggest: eight more teachers, all coached by Maria Lopez,
# half in each cohort. The demo principal (Grace Kim, Cedar) then has groups of five or more
# teachers to see in her summary; Birchwood (four teachers) shows suppression.
CEDAR_EXTRA_TEACHERS = [
    "Zoe Walker", "Amir Hosseini", "Bea Santos", "Wei Chen", "Diego Ramirez", "Esther Okoye",
    "Finn Larsen", "Ingrid Holm",
]  # fmt: skip
TEACHER_NAMES = FIRST_TEACHERS + CEDAR_EXTRA_TEACHERS
FIRST_CEDAR_EXTRA = len(FIRST_TEACHERS)  # the index in TEACHER_NAMES of the first of those eight


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    school: str | None
    name: str


def school_year_bounds(start_year: int) -> tuple[str, date, date]:
    return (
        f"{start_year}-{str(start_year + 1)[-2:]}",
        date(start_year, 8, 15),
        date(start_year + 1, 6, 30),
    )


def school_resumes(start_year: int) -> date:
    """The Monday school starts again after the winter break of the year starting then."""
    day = date(start_year + 1, 1, 3)
    return day + timedelta(days=-day.weekday() % 7)


def first_coach(teacher_index: int) -> int:
    """The index in COACHES of the teacher's first coach."""
    return 0 if teacher_index >= FIRST_CEDAR_EXTRA else teacher_index % len(COACHES)


def in_first_cohort(teacher_index: int) -> bool:
    """Whether the teacher joined two years ago (else a year ago)."""
    if teacher_index >= FIRST_CEDAR_EXTRA:
        return teacher_index % 2 == 0
    return teacher_index < FIRST_CEDAR_EXTRA // 2


def coach_spans(
    teacher_index: int, year_index: int, first: date, last: date
) -> list[tuple[int, date, date]]:
    """Who coached a teacher when, in one of the three years (0: two years ago, 1: last
    year, 2: this year, from `first` to `last`): (coach index, start, end)."""
    coach = first_coach(teacher_index)
    if coach == MOVED_COACH and year_index == 1:
        resumes = school_resumes(first.year)
        return [(coach, first, resumes - timedelta(days=1)), (SUCCESSOR, resumes, last)]
    if coach == MOVED_COACH and year_index == 2:
        return [(SUCCESSOR, first, last)]
    if teacher_index in MOVED_COACH_NEW_TEACHERS and year_index == 2:
        return [(MOVED_COACH, first, last)]
    return [(coach, first, last)]


def _email(name: str) -> str:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{DEMO_DOMAIN}"


def demo_district(*, session: Session) -> District | None:
    return session.exec(select(District).where(District.name == DEMO_DISTRICT)).first()


def demo_exists(*, session: Session) -> bool:
    return demo_district(session=session) is not None


def demo_logins(*, session: Session) -> list[DemoLogin]:
    """The logins the README lists: one per role, and the small school's principal, whose
    summary shows groups under five suppressed (the full list is on the admin pages)."""

    def login(email: str, role: Role, school: str | None) -> DemoLogin:
        user = accounts_service.get_user_by_email(session=session, email=email)
        return DemoLogin(
            email=email,
            password=DEMO_PASSWORD,
            role=role.value,
            school=school,
            name=user.name if user else "",
        )

    return [
        login(f"admin@{DEMO_DOMAIN}", Role.district_admin, None),
        login(_email("Grace Kim"), Role.principal, SCHOOLS[0][0]),
        login(_email("Henry Walsh"), Role.principal, SCHOOLS[1][0]),
        login(_email("Maria Lopez"), Role.coach, SCHOOLS[0][0]),
        login(_email(SPECIALIST), Role.specialist, None),
        login(_email(TEACHER_NAMES[0]), Role.teacher, SCHOOLS[0][0]),
    ]


ROLE_ORDER = (Role.district_admin, Role.specialist, Role.principal, Role.coach, Role.teacher)


def all_demo_logins(*, session: Session) -> list[DemoLogin]:
    """Every login of the demo district, one per role held (a person with two roles is
    listed twice): district admins, specialists, then principals, coaches and teachers, by school and
    name. Only active accounts with a password (an invitation not yet taken has none)."""
    district = demo_district(session=session)
    if district is None:
        return []
    rows = session.exec(
        select(Membership, User, School)
        .join(User, col(User.id) == Membership.user_id)
        .outerjoin(School, col(School.id) == Membership.school_id)
        .where(
            Membership.district_id == district.id,
            col(User.is_active),
            col(User.password_hash).is_not(None),
        )
    ).all()
    logins = [
        DemoLogin(
            email=user.email,
            password=DEMO_PASSWORD,
            role=membership.role.value,
            school=school.name if school else None,
            name=user.name,
        )
        for membership, user, school in rows
    ]
    rank = {role.value: n for n, role in enumerate(ROLE_ORDER)}
    return sorted(logins, key=lambda x: (rank[x.role], x.school or "", x.name, x.email))


def load_demo(*, session: Session, settings: Settings, today: date | None = None) -> bool:
    """Load the demo district unless it is there already. Returns True when it loaded."""
    if demo_exists(session=session):
        return False
    today = today or date.today()
    current_start = today.year if today.month >= 8 else today.year - 1
    district = roster_service.get_or_create_district(session=session, name=DEMO_DISTRICT)
    district_id = district.id
    assert district_id is not None
    years = []
    # Two completed years of coaching, and the current year under way.
    for start in (current_start - 2, current_start - 1, current_start):
        name, first_day, last_day = school_year_bounds(start)
        years.append(
            roster_service.create_school_year(
                session=session,
                district_id=district_id,
                data=SchoolYearCreate(name=name, start_date=first_day, end_date=last_day),
            )
        )
    schools = [
        roster_service.create_school(
            session=session, district_id=district_id, data=SchoolCreate(name=n, level=lvl)
        )
        for n, lvl in SCHOOLS
    ]

    def person(name: str, role: Role, school_index: int | None, email: str | None = None) -> User:
        user = accounts_service.create_user(
            session=session,
            settings=settings,
            data=UserCreate(email=email or _email(name), name=name, password=DEMO_PASSWORD),
            actor=None,
        )
        school_id = schools[school_index].id if school_index is not None else None
        accounts_service.add_membership(
            session=session, user=user, role=role, district_id=district_id,
            school_id=school_id, actor=None,
        )  # fmt: skip
        return user

    person("Dana Whitfield", Role.district_admin, None, email=f"admin@{DEMO_DOMAIN}")
    person(SPECIALIST, Role.specialist, None)
    for first, last, idx in PRINCIPALS:
        person(f"{first} {last}", Role.principal, idx)
    coaches = [
        person(f"{first} {last}", Role.coach, MOVED_TO_SCHOOL if n == MOVED_COACH else idx)
        for n, (first, last, idx) in enumerate(COACHES)
    ]

    for i, name in enumerate(TEACHER_NAMES):
        school_index = COACHES[first_coach(i)][2]  # where their first coach started
        cohort = years[0] if in_first_cohort(i) else years[1]
        school_id = schools[school_index].id
        assert school_id is not None
        if i < TEACHERS_WITH_LOGIN:
            user = person(name, Role.teacher, school_index)
            teacher = accounts_service.link_teacher_record(
                session=session, user=user, district_id=district_id, school_id=school_id
            )
            teacher.cohort_year_id = cohort.id
            session.add(teacher)
        else:
            # Some teachers are coached without ever signing in.
            teacher = roster_service.create_teacher(
                session=session,
                district_id=district_id,
                data=TeacherCreate(
                    name=name, email=_email(name), school_id=school_id, cohort_year_id=cohort.id
                ),
            )
        for year in years[years.index(cohort) :]:
            spans = coach_spans(i, years.index(year), year.start_date, year.end_date)
            for coach, since, until in spans:
                roster_service.create_assignment(
                    session=session,
                    data=CoachAssignmentCreate(
                        coach_id=coaches[coach].id,  # type: ignore[arg-type]
                        teacher_id=teacher.id,  # type: ignore[arg-type]
                        school_year_id=year.id,  # type: ignore[arg-type]
                        start_date=since,
                        end_date=until,
                    ),
                    actor=None,
                )
    session.commit()
    return True


def logins_as_dicts(logins: list[DemoLogin]) -> list[dict[str, str | None]]:
    return [asdict(login) for login in logins]
