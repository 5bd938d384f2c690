"""Each role lands on its own home page and sees what belongs to it."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from server.accounts.models import Role
from server.config import Settings
from tests.conftest import login
from tests.factories import (
    PASSWORD,
    create_assignment,
    create_district,
    create_school,
    create_school_year,
    create_teacher,
    create_user,
)


def _district(session: Session, settings: Settings):  # type: ignore[no-untyped-def]
    district = create_district(session)
    school = create_school(session, district, name="Cedar Elementary")
    other = create_school(session, district, name="Oak Middle")
    year = create_school_year(session, district, start_year=date.today().year - 1)
    year2 = create_school_year(session, district, start_year=date.today().year)
    coach = create_user(
        session, settings, role=Role.coach, school=school, email="coach@example.org"
    )
    teacher_user = create_user(
        session,
        settings,
        role=Role.teacher,
        school=school,
        email="t@example.org",
        name="Tess Teacher",
    )
    mine = create_teacher(session, school, name="Mina Mine", cohort=year)
    not_mine = create_teacher(session, other, name="Olga Other")
    for y in (year, year2):
        create_assignment(session, coach, mine, y, start=y.start_date, end=y.end_date)
    other_coach = create_user(session, settings, role=Role.coach, school=other)
    create_assignment(session, other_coach, not_mine, year2, start=year2.start_date)
    create_user(session, settings, role=Role.principal, school=school, email="p@example.org")
    create_user(
        session, settings, role=Role.district_admin, district=district, email="a@example.org"
    )
    session.commit()
    return {"school": school, "other": other, "teacher_user": teacher_user, "coach": coach}


def test_each_role_lands_on_its_own_home(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _district(session, settings)
    expected = {
        "coach@example.org": "/week",
        "t@example.org": "/my-coaching",
        "p@example.org": "/school",
        "a@example.org": "/admin",
    }
    for email, home in expected.items():
        client.cookies.clear()
        response = login(client, email, PASSWORD)
        assert response.headers["location"] == home, email
        assert client.get("/", follow_redirects=False).headers["location"] == home


def _caseload_names(client: TestClient) -> list[str]:
    headers = {"X-Cadence-Sync": "1", "Origin": "http://testserver"}
    response = client.get("/api/sync/bootstrap", headers=headers)
    assert response.status_code == 200, response.text
    return [t["name"] for t in response.json()["caseload"]]


def test_caseload_lists_only_my_current_teachers(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _district(session, settings)
    login(client, "coach@example.org", PASSWORD)
    # The caseload screen is drawn by the coach's app from the bootstrap.
    assert _caseload_names(client) == ["Mina Mine"]


def test_ended_assignment_leaves_the_caseload(
    client: TestClient, session: Session, settings: Settings
) -> None:
    district = create_district(session)
    school = create_school(session, district)
    year = create_school_year(session, district, start_year=date.today().year - 1)
    coach = create_user(session, settings, role=Role.coach, school=school, email="c2@example.org")
    teacher = create_teacher(session, school, name="Gone Teacher")
    create_assignment(session, coach, teacher, year, start=year.start_date, end=year.start_date)
    session.commit()
    login(client, "c2@example.org", PASSWORD)
    assert _caseload_names(client) == []


def test_teacher_sees_their_coach(client: TestClient, session: Session, settings: Settings) -> None:
    data = _district(session, settings)
    from server.roster import service as roster_service

    teacher = roster_service.teacher_for_user(session=session, user_id=data["teacher_user"].id)
    assert teacher is not None
    year = roster_service.current_school_year(
        session=session, district_id=teacher.district_id, today=date.today()
    )
    assert year is not None
    create_assignment(session, data["coach"], teacher, year, start=year.start_date)
    session.commit()
    login(client, "t@example.org", PASSWORD)
    page = client.get("/my-coaching")
    assert page.status_code == 200
    assert data["coach"].name in page.text


def test_principal_sees_a_summary_of_their_school_only(
    client: TestClient, session: Session, settings: Settings
) -> None:
    data = _district(session, settings)
    login(client, "p@example.org", PASSWORD)
    page = client.get("/school", follow_redirects=True)
    assert page.status_code == 200
    assert "Cedar Elementary" in page.text
    assert "Mina Mine" not in page.text  # counts, not people
    assert client.get(f"/schools/{data['other'].id}").status_code == 403


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    for path in ("/caseload", "/my-coaching", "/school", "/admin"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


def test_htmx_request_for_a_protected_page_gets_hx_redirect(client: TestClient) -> None:
    response = client.get("/caseload", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/caseload"
