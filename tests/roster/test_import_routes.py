"""The roster upload page: district admins only, every problem shown, nothing half-imported."""

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.accounts.models import Role
from server.config import Settings
from server.roster.models import District, School, Teacher
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, create_district, create_school, create_user

DATA = Path(__file__).parent / "data"
ONEROSTER = DATA / "oneroster"
URL = "/admin/roster/import"


def sign_in(
    client: TestClient, session: Session, settings: Settings, role: Role = Role.district_admin
) -> District:
    district = create_district(session, "Lakeside Unified")
    school = create_school(session, district, "Front Office Elementary")
    email = f"{role.value}@lakeside.example"
    create_user(
        session,
        settings,
        role=role,
        district=district,
        school=None if role == Role.district_admin else school,
        email=email,
    )
    session.commit()
    assert login(client, email, PASSWORD).status_code == 303
    return district


def post(client: TestClient, files: list[tuple[str, bytes]]) -> str:
    token = csrf_from(client.get(URL).text)
    response = client.post(
        URL,
        data={"csrf_token": token},
        files=[("files", (name, data, "text/csv")) for name, data in files],
    )
    return f"{response.status_code}\n{response.text}"


def oneroster_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(ONEROSTER.iterdir())]


def test_upload_page_is_an_accessible_multipart_form(
    client: TestClient, session: Session, settings: Settings
) -> None:
    sign_in(client, session, settings)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert '<label for="files">' in page.text
    assert 'type="file" multiple' in page.text
    assert 'name="csrf_token"' in page.text
    assert "Into Lakeside Unified" in page.text


def test_oneroster_files_import_into_the_admins_district(
    client: TestClient, session: Session, settings: Settings
) -> None:
    district = sign_in(client, session, settings)

    result = post(client, oneroster_files())

    assert result.startswith("200\n")
    assert 'role="status"' in result
    assert "Roster imported</strong> from OneRoster 1.1" in result
    assert '<th scope="row">Teachers</th><td class="num">4</td>' in result
    assert "Files not used: manifest.csv" in result
    session.expire_all()
    adopted = session.exec(select(District)).one()
    assert (adopted.id, adopted.source_id) == (district.id, "d1")
    teachers = session.exec(select(Teacher)).all()
    assert {t.source_id for t in teachers} == {"t1", "t2", "t3", "t4"}
    assert {t.district_id for t in teachers} == {district.id}


def test_a_zip_upload_works_too(client: TestClient, session: Session, settings: Settings) -> None:
    sign_in(client, session, settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in oneroster_files():
            zf.writestr(name, data)

    result = post(client, [("roster.zip", buffer.getvalue())])

    assert result.startswith("200\n")
    assert len(session.exec(select(Teacher)).all()) == 4


def test_bad_rows_show_every_problem_and_import_nothing(
    client: TestClient, session: Session, settings: Settings
) -> None:
    district = sign_in(client, session, settings)
    csv = (
        "source_id,name,email,role,school,school_level,cohort,coach_email\n"
        "k1,Kim Lee,kim@lakeside.example,teacher,Oak Elementary,,2025-26,\n"
        "k2,,lou@lakeside.example,teacher,Oak Elementary,,,\n"
        "k3,Mo Diaz,mo@,coach,Oak Elementary,,,\n"
        "k4,Ned Fox,ned@lakeside.example,janitor,Oak Elementary,,,\n"
    )

    result = post(client, [("people.csv", csv.encode())])

    assert result.startswith("400\n")
    assert '<div class="alert error" role="alert">' in result
    assert "Nothing was imported" in result
    for line, column in ((3, "name"), (4, "email"), (5, "role")):
        assert f'<tr><td>people.csv</td><td class="num">{line}</td><td>{column}</td>' in result
    assert "Fix the 3 problems below" in result
    assert session.exec(select(Teacher)).all() == []
    assert [s.district_id for s in session.exec(select(School))] == [district.id]


def test_a_file_for_another_district_is_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    district = sign_in(client, session, settings)
    district.source_id = "someone-else"
    session.add(district)
    session.commit()

    result = post(client, oneroster_files())

    assert result.startswith("400\n")
    assert '<td>orgs.csv</td><td class="num">2</td><td>sourcedId</td>' in result
    assert session.exec(select(Teacher)).all() == []


def test_no_file_chosen_is_an_error_not_a_crash(
    client: TestClient, session: Session, settings: Settings
) -> None:
    sign_in(client, session, settings)
    token = csrf_from(client.get(URL).text)
    response = client.post(
        URL, data={"csrf_token": token}, files=[("files", ("", b"", "application/octet-stream"))]
    )
    assert response.status_code == 400
    assert "choose a file to import" in response.text


@pytest.mark.parametrize("role", [Role.coach, Role.principal])
def test_only_district_admins_may_import(
    client: TestClient, session: Session, settings: Settings, role: Role
) -> None:
    sign_in(client, session, settings, role=role)
    assert client.get(URL).status_code == 403
    token = csrf_from(client.get("/login").text)
    response = client.post(
        URL,
        data={"csrf_token": token},
        files=[("files", (name, data, "text/csv")) for name, data in oneroster_files()],
    )
    assert response.status_code == 403
    assert session.exec(select(Teacher)).all() == []
