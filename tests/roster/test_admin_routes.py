"""Admin pages: schools, school years, people, roster teachers and coach assignments.

District admins manage the district; a principal only their own school; everyone else is
refused, and a visitor who is not signed in is sent to the login page.
"""

from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.accounts.models import Membership, Role, User
from server.config import Settings
from server.roster.models import (
    CoachAssignment,
    School,
    SchoolLevel,
    SchoolYear,
    Teacher,
)
from tests.conftest import get_csrf, login
from tests.factories import (
    PASSWORD,
    create_assignment,
    create_district,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)
from tests.mailbox import invitation_token


@dataclass
class World:
    cedar: School
    oak: School
    year: SchoolYear
    admin: User
    principal: User
    coach: User
    oak_coach: User
    teacher_user: User
    rosa: Teacher  # roster teacher at Cedar, no login
    otto: Teacher  # roster teacher at Oak, no login
    oak_assignment: CoachAssignment


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    district = create_district(session)
    cedar = create_school(session, district, name="Cedar Elementary")
    oak = create_school(session, district, name="Oak Middle", level=SchoolLevel.middle)
    year = create_school_year(session, district, start_year=2026)
    admin = create_user(
        session, settings, role=Role.district_admin, district=district, email="admin@example.org"
    )
    principal = create_user(
        session, settings, role=Role.principal, school=cedar, email="principal@example.org"
    )
    coach = create_user(
        session, settings, role=Role.coach, school=cedar, email="coach@example.org", name="Cora"
    )
    oak_coach = create_user(
        session, settings, role=Role.coach, school=oak, email="oakcoach@example.org", name="Olaf"
    )
    teacher_user = create_user(
        session, settings, role=Role.teacher, school=cedar, email="teacher@example.org"
    )
    rosa = create_teacher(session, cedar, name="Rosa Roster")
    otto = create_teacher(session, oak, name="Otto Oak")
    oak_assignment = create_assignment(session, oak_coach, otto, year)
    session.commit()
    return World(
        cedar, oak, year, admin, principal, coach, oak_coach, teacher_user, rosa, otto,
        oak_assignment,
    )  # fmt: skip


def as_admin(client: TestClient) -> TestClient:
    assert login(client, "admin@example.org", PASSWORD).status_code == 303
    return client


def as_principal(client: TestClient) -> TestClient:
    assert login(client, "principal@example.org", PASSWORD).status_code == 303
    return client


def post(
    client: TestClient, path: str, data: dict[str, str], csrf_page: str = "/admin"
) -> httpx.Response:
    """Submit a form as the browser would: with the CSRF token from a page it was shown."""
    token = get_csrf(client, csrf_page)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def reload(session: Session, row: object) -> None:
    session.refresh(row)


# --- Who may use the admin pages ---------------------------------------------------------

ADMIN_PAGES = [
    "/admin",
    "/admin/schools",
    "/admin/schools/new",
    "/admin/school-years",
    "/admin/people",
    "/admin/people/new",
    "/admin/teachers/new",
    "/admin/assignments",
    "/admin/assignments/new",
]


def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient, world: World) -> None:
    for path in [*ADMIN_PAGES, f"/admin/schools/{world.cedar.id}/edit"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("email", ["coach@example.org", "teacher@example.org"])
def test_coaches_and_teachers_are_refused(
    client: TestClient, session: Session, world: World, email: str
) -> None:
    login(client, email, PASSWORD)
    for path in [
        *ADMIN_PAGES,
        f"/admin/schools/{world.cedar.id}/edit",
        f"/admin/people/{world.coach.id}/edit",
        f"/admin/teachers/{world.rosa.id}/edit",
        f"/admin/assignments/{world.oak_assignment.id}/edit",
    ]:
        assert client.get(path).status_code == 403, path
    home = "/week" if email.startswith("coach") else "/my-coaching"
    response = post(client, "/admin/schools/new", {"name": "Sneaky", "level": "high"}, home)
    assert response.status_code == 403
    assert session.exec(select(School).where(School.name == "Sneaky")).first() is None


def test_a_form_without_its_csrf_token_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    response = client.post("/admin/schools/new", data={"name": "No Token", "level": "high"})
    assert response.status_code == 403
    assert session.exec(select(School).where(School.name == "No Token")).first() is None


# --- District admin: overview and schools ------------------------------------------------


def test_admin_home_lists_every_school_with_counts_and_links(
    client: TestClient, world: World
) -> None:
    page = as_admin(client).get("/admin")
    assert page.status_code == 200
    assert "<h1>Schools and people</h1>" in page.text
    assert "Cedar Elementary" in page.text and "Oak Middle" in page.text
    # Cedar: Rosa plus the teacher with a login; one coach.
    cedar_row = page.text.split("Cedar Elementary", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">2</td>' in cedar_row
    assert '<td class="num">1</td>' in cedar_row
    for href in ("/admin/people", "/admin/assignments", "/admin/school-years"):
        assert f'href="{href}"' in page.text
    assert 'href="/admin/roster/import"' in page.text
    assert 'href="/admin/schools/new"' in page.text


def test_admin_creates_a_school(client: TestClient, session: Session, world: World) -> None:
    as_admin(client)
    response = post(
        client,
        "/admin/schools/new",
        {"name": "  Pine High ", "level": "high"},
        "/admin/schools/new",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/schools?saved=school-created"
    school = session.exec(select(School).where(School.name == "Pine High")).one()
    assert school.level == SchoolLevel.high
    assert school.district_id == world.cedar.district_id
    listing = client.get(response.headers["location"])
    assert "School created." in listing.text
    assert "Pine High" in listing.text


def test_blank_school_name_is_shown_in_place_and_the_level_kept(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    response = post(client, "/admin/schools/new", {"name": "  ", "level": "middle"})
    assert response.status_code == 400
    assert 'id="name-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert '<option value="middle" selected>' in response.text
    assert session.exec(select(School)).all() == [world.cedar, world.oak]


def test_admin_edits_a_school(client: TestClient, session: Session, world: World) -> None:
    as_admin(client)
    path = f"/admin/schools/{world.oak.id}/edit"
    form = client.get(path)
    assert form.status_code == 200
    assert 'value="Oak Middle"' in form.text
    response = post(client, path, {"name": "Oak Junior High", "level": "other"}, path)
    assert response.status_code == 303
    reload(session, world.oak)
    assert (world.oak.name, world.oak.level) == ("Oak Junior High", SchoolLevel.other)
    assert "School saved." in client.get(response.headers["location"]).text


def test_unknown_school_is_not_found(client: TestClient, world: World) -> None:
    as_admin(client)
    assert client.get("/admin/schools/999999/edit").status_code == 404


# --- School years ------------------------------------------------------------------------


def test_admin_creates_a_school_year(client: TestClient, session: Session, world: World) -> None:
    as_admin(client)
    data = {"name": "2027-28", "start_date": "2027-08-01", "end_date": "2028-07-31"}
    response = post(client, "/admin/school-years", data, "/admin/school-years")
    assert response.status_code == 303
    year = session.exec(select(SchoolYear).where(SchoolYear.name == "2027-28")).one()
    assert (year.start_date, year.end_date) == (date(2027, 8, 1), date(2028, 7, 31))
    page = client.get(response.headers["location"])
    assert "School year created." in page.text
    assert "1 Aug 2027" in page.text


def test_school_year_ending_before_it_starts_is_refused_in_place(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    data = {"name": "2027-28", "start_date": "2027-08-01", "end_date": "2027-07-01"}
    response = post(client, "/admin/school-years", data)
    assert response.status_code == 400
    assert 'id="end_date-error"' in response.text
    assert "End date must be after start date." in response.text
    assert 'value="2027-07-01"' in response.text
    assert 'value="2027-08-01"' in response.text
    assert session.exec(select(SchoolYear).where(SchoolYear.name == "2027-28")).first() is None


def test_duplicate_school_year_name_is_refused_in_place(client: TestClient, world: World) -> None:
    as_admin(client)
    data = {"name": world.year.name, "start_date": "2030-08-01", "end_date": "2031-07-31"}
    response = post(client, "/admin/school-years", data)
    assert response.status_code == 400
    assert 'id="name-error"' in response.text
    assert "already exists" in response.text
    assert 'value="2030-08-01"' in response.text


# --- People -------------------------------------------------------------------------------


def test_people_page_lists_logins_with_roles_and_roster_teachers_with_cohort(
    client: TestClient, session: Session, world: World
) -> None:
    world.rosa.cohort_year_id = world.year.id
    session.add(world.rosa)
    session.commit()
    page = as_admin(client).get("/admin/people")
    assert page.status_code == 200
    assert "Coach · Cedar Elementary" in page.text
    assert "District admin" in page.text
    roster = page.text.split("Roster teachers without a login", 1)[1]
    assert "Rosa Roster" in roster and "Otto Oak" in roster
    assert world.year.name in roster.split("Rosa Roster", 1)[1].split("</tr>", 1)[0]
    filtered = client.get(f"/admin/people?school_id={world.oak.id}")
    assert "Olaf" in filtered.text and "Otto Oak" in filtered.text
    assert "Cora" not in filtered.text and "Rosa Roster" not in filtered.text


def test_admin_creates_a_person_who_is_invited_to_choose_a_password(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    as_admin(client)
    data = {"name": "Nora New", "email": "Nora@Example.org", "role": "coach",
            "school_id": str(world.oak.id)}  # fmt: skip
    response = post(client, "/admin/people/new", data, "/admin/people/new")
    assert response.status_code == 303
    user = session.exec(select(User).where(User.email == "nora@example.org")).one()
    assert response.headers["location"] == f"/admin/people/{user.id}/edit?saved=person-invited"
    assert user.password_hash is None  # nobody but Nora chooses it
    membership = session.exec(select(Membership).where(Membership.user_id == user.id)).one()
    assert (membership.role, membership.school_id) == (Role.coach, world.oak.id)
    page = client.get(response.headers["location"]).text
    assert "Invitation sent" in page and "Waiting for Nora New to choose a password" in page
    # The link reaches Nora at her address, and she is in.
    token = invitation_token(settings, "nora@example.org")
    client.cookies.clear()
    csrf = get_csrf(client, f"/invitations/{token}")
    accepted = client.post(
        f"/invitations/{token}",
        data={"csrf_token": csrf, "new_password": "noras-own-pass", "confirm_password": "noras-own-pass"},
        follow_redirects=False,
    )  # fmt: skip
    assert accepted.status_code == 303 and accepted.headers["location"] == "/week"
    client.cookies.clear()
    assert login(client, "nora@example.org", "noras-own-pass").status_code == 303


def test_a_person_without_a_password_has_no_login_yet(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    data = {"name": "Pat", "email": "pat@example.org", "password": "", "role": "district_admin"}
    assert post(client, "/admin/people/new", data).status_code == 303
    user = session.exec(select(User).where(User.email == "pat@example.org")).one()
    assert user.password_hash is None
    membership = session.exec(select(Membership).where(Membership.user_id == user.id)).one()
    assert (membership.role, membership.school_id) == (Role.district_admin, None)


def test_duplicate_email_is_refused_in_place_and_the_form_kept(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    data = {
        "name": "Copy Cat",
        "email": "COACH@example.org",
        "password": "secret-password-1",
        "role": "teacher",
        "school_id": str(world.cedar.id),
    }
    response = post(client, "/admin/people/new", data)
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert "already has an account" in response.text
    assert 'value="Copy Cat"' in response.text
    assert 'value="COACH@example.org"' in response.text
    assert '<option value="teacher" selected>' in response.text
    assert "secret-password-1" not in response.text  # a password is never echoed back
    assert session.exec(select(User).where(User.name == "Copy Cat")).first() is None


def test_a_bad_email_and_a_missing_school_are_named_in_place(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    data = {"name": "Sam", "email": "not-an-email", "role": "coach"}
    response = post(client, "/admin/people/new", data)
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert 'name="password"' not in response.text  # no password field to fill for someone else
    data["email"] = "sam@example.org"
    response = post(client, "/admin/people/new", data)
    assert response.status_code == 400
    assert 'id="school_id-error"' in response.text
    assert session.exec(select(User).where(User.email == "sam@example.org")).first() is None


def test_admin_edits_a_person_and_adds_and_removes_a_role(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    path = f"/admin/people/{world.coach.id}/edit"
    response = post(
        client, path, {"name": "Cora Coach", "email": "cora@example.org", "is_active": ""}, path
    )
    assert response.status_code == 303
    reload(session, world.coach)
    assert (world.coach.name, world.coach.email, world.coach.is_active) == (
        "Cora Coach",
        "cora@example.org",
        False,
    )
    response = post(
        client,
        f"{path.removesuffix('/edit')}/roles",
        {"role": "teacher", "school_id": str(world.oak.id)},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?saved=role-added"
    roles = session.exec(select(Membership).where(Membership.user_id == world.coach.id)).all()
    assert {(m.role, m.school_id) for m in roles} == {
        (Role.coach, world.cedar.id),
        (Role.teacher, world.oak.id),
    }
    coach_role = next(m for m in roles if m.role == Role.coach)
    response = post(
        client, f"/admin/people/{world.coach.id}/roles/{coach_role.id}/delete", {}, path
    )
    assert response.status_code == 303
    session.expire_all()
    remaining = session.exec(select(Membership).where(Membership.user_id == world.coach.id)).all()
    assert [(m.role, m.school_id) for m in remaining] == [(Role.teacher, world.oak.id)]


def test_editing_a_person_to_an_email_in_use_is_refused_in_place(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    path = f"/admin/people/{world.coach.id}/edit"
    data = {"name": "Cora Changed", "email": "teacher@example.org", "is_active": "on"}
    response = post(client, path, data, path)
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert 'value="Cora Changed"' in response.text
    reload(session, world.coach)
    assert world.coach.email == "coach@example.org"


def test_admin_cannot_remove_their_own_last_district_admin_role(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    own = session.exec(select(Membership).where(Membership.user_id == world.admin.id)).one()
    response = post(client, f"/admin/people/{world.admin.id}/roles/{own.id}/delete", {})
    assert response.status_code == 400
    assert "your own last district admin role" in response.text
    assert session.get(Membership, own.id) is not None


def test_admin_cannot_deactivate_themselves(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    path = f"/admin/people/{world.admin.id}/edit"
    response = post(client, path, {"name": "Admin", "email": "admin@example.org"}, path)
    assert response.status_code == 400
    assert 'id="is_active-error"' in response.text
    reload(session, world.admin)
    assert world.admin.is_active


def test_unknown_person_and_role_are_not_found(client: TestClient, world: World) -> None:
    as_admin(client)
    assert client.get("/admin/people/999999/edit").status_code == 404
    response = post(client, f"/admin/people/{world.coach.id}/roles/999999/delete", {})
    assert response.status_code == 404


# --- Roster teachers ----------------------------------------------------------------------


def test_admin_adds_and_edits_a_roster_teacher(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    data = {
        "name": "Tina Tables",
        "email": "",
        "school_id": str(world.cedar.id),
        "cohort_year_id": str(world.year.id),
    }
    response = post(client, "/admin/teachers/new", data, "/admin/teachers/new")
    assert response.status_code == 303
    teacher = session.exec(select(Teacher).where(Teacher.name == "Tina Tables")).one()
    assert (teacher.school_id, teacher.cohort_year_id, teacher.email, teacher.user_id) == (
        world.cedar.id,
        world.year.id,
        None,
        None,
    )
    assert teacher.active
    assert "Teacher added to the roster." in client.get(response.headers["location"]).text

    path = f"/admin/teachers/{teacher.id}/edit"
    assert 'value="Tina Tables"' in client.get(path).text
    data = {"name": "Tina Tables", "email": "tina@example.org", "school_id": str(world.oak.id)}
    response = post(client, path, data, path)  # no cohort, "active" unticked
    assert response.status_code == 303
    reload(session, teacher)
    assert (teacher.school_id, teacher.cohort_year_id, teacher.email, teacher.active) == (
        world.oak.id,
        None,
        "tina@example.org",
        False,
    )


def test_roster_teacher_errors_are_shown_in_place(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    data = {"name": "", "email": "not-an-email", "school_id": "", "cohort_year_id": ""}
    response = post(client, "/admin/teachers/new", data)
    assert response.status_code == 400
    for field in ("name", "email", "school_id"):
        assert f'id="{field}-error"' in response.text
    assert 'value="not-an-email"' in response.text
    count = len(session.exec(select(Teacher)).all())
    create_teacher(session, world.cedar, name="Has Email", email="taken@example.org")
    session.commit()
    data = {"name": "Second", "email": "taken@example.org", "school_id": str(world.cedar.id)}
    response = post(client, "/admin/teachers/new", data)
    assert response.status_code == 400
    assert "already on the roster" in response.text
    assert len(session.exec(select(Teacher)).all()) == count + 1


# --- Coach assignments --------------------------------------------------------------------


def _assignment_form(world: World, **changes: str) -> dict[str, str]:
    data = {
        "coach_id": str(world.coach.id),
        "teacher_id": str(world.rosa.id),
        "school_year_id": str(world.year.id),
        "start_date": "2026-09-01",
        "end_date": "",
    }
    return {**data, **changes}


def test_admin_creates_and_edits_an_assignment(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    response = post(client, "/admin/assignments/new", _assignment_form(world))
    assert response.status_code == 303
    assignment = session.exec(
        select(CoachAssignment).where(CoachAssignment.teacher_id == world.rosa.id)
    ).one()
    assert (assignment.coach_id, assignment.start_date, assignment.end_date) == (
        world.coach.id,
        date(2026, 9, 1),
        None,
    )
    listing = client.get(response.headers["location"])
    assert "Assignment created." in listing.text
    assert world.year.name in listing.text and "Rosa Roster" in listing.text

    path = f"/admin/assignments/{assignment.id}/edit"
    assert 'value="2026-09-01"' in client.get(path).text
    data = _assignment_form(world, coach_id=str(world.oak_coach.id), end_date="2027-01-31")
    response = post(client, path, data, path)
    assert response.status_code == 303
    reload(session, assignment)
    assert (assignment.coach_id, assignment.end_date) == (world.oak_coach.id, date(2027, 1, 31))


def test_assignment_starting_outside_the_year_is_refused_in_place(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    response = post(
        client, "/admin/assignments/new", _assignment_form(world, start_date="2025-09-01")
    )
    assert response.status_code == 400
    assert 'id="start_date-error"' in response.text
    assert f"Must fall within {world.year.name}." in response.text
    assert 'value="2025-09-01"' in response.text
    assert f'<option value="{world.rosa.id}" selected>' in response.text
    assert (
        session.exec(
            select(CoachAssignment).where(CoachAssignment.teacher_id == world.rosa.id)
        ).first()
        is None
    )


def test_assignment_ending_before_it_starts_is_refused_in_place(
    client: TestClient, world: World
) -> None:
    as_admin(client)
    data = _assignment_form(world, end_date="2026-08-15")
    response = post(client, "/admin/assignments/new", data)
    assert response.status_code == 400
    assert 'id="end_date-error"' in response.text
    assert 'value="2026-08-15"' in response.text


def test_assignment_needs_a_coach(client: TestClient, world: World) -> None:
    as_admin(client)
    response = post(client, "/admin/assignments/new", _assignment_form(world, coach_id=""))
    assert response.status_code == 400
    assert 'id="coach_id-error"' in response.text


# --- Principal: their own school only ------------------------------------------------------


def test_principal_sees_only_their_school(client: TestClient, world: World) -> None:
    as_principal(client)
    home = client.get("/admin")
    assert home.status_code == 200
    assert "Cedar Elementary" in home.text
    assert "Oak Middle" not in home.text
    assert 'href="/admin/schools/new"' not in home.text
    assert 'href="/admin/roster/import"' not in home.text
    assert 'href="/admin/school-years"' not in home.text
    people = client.get("/admin/people")
    assert "Cora" in people.text and "Rosa Roster" in people.text
    assert "Olaf" not in people.text and "Otto Oak" not in people.text
    assignments = client.get("/admin/assignments")
    assert "Otto Oak" not in assignments.text


def test_principal_edits_their_own_school_but_not_another(
    client: TestClient, session: Session, world: World
) -> None:
    as_principal(client)
    own = f"/admin/schools/{world.cedar.id}/edit"
    assert (
        post(client, own, {"name": "Cedar Academy", "level": "elementary"}, own).status_code == 303
    )
    reload(session, world.cedar)
    assert world.cedar.name == "Cedar Academy"
    other = f"/admin/schools/{world.oak.id}/edit"
    assert client.get(other).status_code == 403
    assert post(client, other, {"name": "Taken Over", "level": "high"}).status_code == 403
    reload(session, world.oak)
    assert world.oak.name == "Oak Middle"


def test_principal_cannot_create_schools_or_school_years(
    client: TestClient, session: Session, world: World
) -> None:
    as_principal(client)
    assert client.get("/admin/schools/new").status_code == 403
    assert post(client, "/admin/schools/new", {"name": "Mine", "level": "high"}).status_code == 403
    assert client.get("/admin/school-years").status_code == 403
    data = {"name": "2040-41", "start_date": "2040-08-01", "end_date": "2041-07-31"}
    assert post(client, "/admin/school-years", data).status_code == 403
    assert session.exec(select(School).where(School.name == "Mine")).first() is None


def test_principal_adds_a_teacher_at_their_school(
    client: TestClient, session: Session, world: World
) -> None:
    as_principal(client)
    form = client.get("/admin/people/new")
    assert '<option value="district_admin"' not in form.text
    assert '<option value="principal"' not in form.text
    assert '<option value="coach"' not in form.text
    assert f'<option value="{world.oak.id}"' not in form.text
    data = {"name": "Cam", "email": "cam@example.org", "role": "teacher"}
    response = post(client, "/admin/people/new", {**data, "school_id": str(world.cedar.id)})
    assert response.status_code == 303
    cam = session.exec(select(User).where(User.email == "cam@example.org")).one()
    membership = session.exec(select(Membership).where(Membership.user_id == cam.id)).one()
    assert (membership.role, membership.school_id) == (Role.teacher, world.cedar.id)


@pytest.mark.parametrize(
    ("role", "school"),
    [("district_admin", "cedar"), ("principal", "cedar"), ("coach", "cedar"), ("teacher", "oak")],
)
def test_principal_cannot_grant_admin_roles_or_add_people_elsewhere(
    client: TestClient, session: Session, world: World, role: str, school: str
) -> None:
    as_principal(client)
    school_id = world.cedar.id if school == "cedar" else world.oak.id
    data = {"name": "Eve", "email": "eve@example.org", "role": role, "school_id": str(school_id)}
    assert post(client, "/admin/people/new", data).status_code == 403
    assert session.exec(select(User).where(User.email == "eve@example.org")).first() is None
    path = f"/admin/people/{world.teacher_user.id}/roles"
    assert post(client, path, {"role": role, "school_id": str(school_id)}).status_code == 403
    assert (
        len(
            session.exec(
                select(Membership).where(Membership.user_id == world.teacher_user.id)
            ).all()
        )
        == 1
    )


def test_principal_manages_roles_at_their_school_only(
    client: TestClient, session: Session, world: World
) -> None:
    as_principal(client)
    teacher_role = session.exec(
        select(Membership).where(Membership.user_id == world.teacher_user.id)
    ).one()
    path = f"/admin/people/{world.teacher_user.id}/roles"
    assert (
        post(client, path, {"role": "coach", "school_id": str(world.cedar.id)}).status_code == 403
    )
    assert post(client, f"{path}/{teacher_role.id}/delete", {}).status_code == 303
    session.expire_all()
    roles = session.exec(
        select(Membership).where(Membership.user_id == world.teacher_user.id)
    ).all()
    assert roles == []
    # With no role left at Cedar, they are out of the principal's sight (a district admin's).
    assert client.get(f"/admin/people/{world.teacher_user.id}/edit").status_code == 403
    # A coach's role at the school is the district's to take away.
    coach_role = session.exec(select(Membership).where(Membership.user_id == world.coach.id)).one()
    assert (
        post(client, f"/admin/people/{world.coach.id}/roles/{coach_role.id}/delete", {}).status_code
        == 403
    )
    # Someone at another school is out of reach, and so is the principal role itself.
    oak_role = session.exec(
        select(Membership).where(Membership.user_id == world.oak_coach.id)
    ).one()
    assert client.get(f"/admin/people/{world.oak_coach.id}/edit").status_code == 403
    assert (
        post(
            client, f"/admin/people/{world.oak_coach.id}/roles/{oak_role.id}/delete", {}
        ).status_code
        == 403
    )
    own_role = session.exec(
        select(Membership).where(Membership.user_id == world.principal.id)
    ).one()
    assert (
        post(
            client, f"/admin/people/{world.principal.id}/roles/{own_role.id}/delete", {}
        ).status_code
        == 403
    )
    assert session.get(Membership, oak_role.id) is not None
    assert session.get(Membership, own_role.id) is not None


def test_principal_cannot_edit_the_account_of_someone_with_roles_elsewhere(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    from server.accounts import service as accounts_service

    accounts_service.add_membership(
        session=session,
        user=world.admin,
        role=Role.teacher,
        district_id=world.cedar.district_id,
        school_id=world.cedar.id,
        actor=None,
    )
    session.commit()
    as_principal(client)
    path = f"/admin/people/{world.admin.id}/edit"
    page = client.get(path)
    assert page.status_code == 200
    assert f'action="{path}"' not in page.text  # shown read-only
    data = {"name": "Locked Out", "email": "admin@example.org", "is_active": ""}
    assert post(client, path, data).status_code == 403
    reload(session, world.admin)
    assert world.admin.is_active and world.admin.name != "Locked Out"


def test_principal_manages_teachers_and_assignments_at_their_school(
    client: TestClient, session: Session, world: World
) -> None:
    as_principal(client)
    response = post(client, "/admin/assignments/new", _assignment_form(world))
    assert response.status_code == 303
    assert session.exec(
        select(CoachAssignment).where(CoachAssignment.teacher_id == world.rosa.id)
    ).one()
    # Another school's teacher, assignment or roster entry: refused.
    other_teacher = _assignment_form(world, teacher_id=str(world.otto.id))
    assert post(client, "/admin/assignments/new", other_teacher).status_code == 403
    other = f"/admin/assignments/{world.oak_assignment.id}/edit"
    assert client.get(other).status_code == 403
    assert client.get(f"/admin/teachers/{world.otto.id}/edit").status_code == 403
    moved = {"name": "Rosa Roster", "school_id": str(world.oak.id), "active": "on"}
    assert post(client, f"/admin/teachers/{world.rosa.id}/edit", moved).status_code == 403
    assert client.get(f"/admin/people?school_id={world.oak.id}").status_code == 403
    # A coach from another school is not theirs to assign.
    response = post(
        client,
        "/admin/assignments/new",
        _assignment_form(world, coach_id=str(world.oak_coach.id), start_date="2026-10-01"),
    )
    assert response.status_code == 400
    assert 'id="coach_id-error"' in response.text
    reload(session, world.rosa)
    assert world.rosa.school_id == world.cedar.id
