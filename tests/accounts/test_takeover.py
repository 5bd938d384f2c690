"""The two ways a principal reached coaching content through the admin forms (issue 17),
tried as that principal, and what stops them now."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.accounts.models import Membership, Role, User
from server.config import Settings
from server.roster.models import CoachAssignment, Teacher
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD
from tests.mailbox import body, invitation_token, messages
from tests.wall import PRIVATE_NOTE, ROSA_EMAIL, Wall

CHOSEN_BY_PRINCIPAL = "principal-picked-1"


def as_principal(client: TestClient) -> str:
    assert login(client, "principal@example.org", PASSWORD).status_code == 303
    return get_csrf(client, "/admin/people/new")


def test_a_principal_cannot_take_over_a_roster_teachers_account(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    token = as_principal(client)
    response = client.post(
        "/admin/people/new",
        data={
            "csrf_token": token, "name": "Rosa Roster", "email": ROSA_EMAIL,
            "password": CHOSEN_BY_PRINCIPAL, "role": "teacher", "school_id": str(wall.cedar.id),
        },
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    session.expire_all()
    account = session.exec(select(User).where(User.email == ROSA_EMAIL)).one()
    # The account is linked to Rosa's roster record, but has no password anyone chose.
    assert session.get(Teacher, wall.rosa.id).user_id == account.id  # type: ignore[union-attr]
    assert account.password_hash is None
    page = client.get(response.headers["location"])
    assert "Waiting for Rosa Roster to choose a password" in page.text
    assert "/invitations/" not in page.text  # the link goes to Rosa only

    client.post("/logout", data={"csrf_token": get_csrf(client, "/admin")})
    assert login(client, ROSA_EMAIL, CHOSEN_BY_PRINCIPAL).status_code == 400
    # Rosa, at her own address, gets the one link that lets her in.
    (mail,) = messages(settings)
    assert mail["To"] == ROSA_EMAIL
    assert "Choose your own password" in body(mail)
    link = invitation_token(settings, ROSA_EMAIL)
    page = client.get(f"/invitations/{link}")
    assert page.status_code == 200
    accept = client.post(
        f"/invitations/{link}",
        data={
            "csrf_token": get_csrf(client, f"/invitations/{link}"),
            "new_password": "rosas-own-password", "confirm_password": "rosas-own-password",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert accept.status_code == 303
    assert PRIVATE_NOTE in client.get("/coaching/cycles/" + _cycle_id(session, wall)).text


def _cycle_id(session: Session, wall: Wall) -> str:
    from server.coaching.models import CoachingCycle

    cycle = session.exec(
        select(CoachingCycle).where(CoachingCycle.teacher_id == wall.rosa.id)
    ).one()
    return str(cycle.id)


def test_a_principal_cannot_make_herself_a_coach_or_assign_herself(
    client: TestClient, session: Session, wall: Wall
) -> None:
    token = as_principal(client)
    me = wall.principal.id
    role = client.post(
        f"/admin/people/{me}/roles",
        data={"csrf_token": token, "role": "coach", "school_id": str(wall.cedar.id)},
        follow_redirects=False,
    )
    assert role.status_code == 403
    assignment = client.post(
        "/admin/assignments/new",
        data={
            "csrf_token": token, "coach_id": str(me), "teacher_id": str(wall.rosa.id),
            "school_year_id": str(wall.year.id), "start_date": wall.year.start_date.isoformat(),
        },
        follow_redirects=False,
    )  # fmt: skip
    assert assignment.status_code == 400
    session.expire_all()
    roles = session.exec(select(Membership.role).where(Membership.user_id == me)).all()
    assert list(roles) == [Role.principal]
    assert not session.exec(select(CoachAssignment).where(CoachAssignment.coach_id == me)).all()
    for path in (f"/teachers/{wall.rosa.id}/growth", f"/teachers/{wall.rosa.id}", "/caseload"):
        assert client.get(path, follow_redirects=False).status_code == 403, path


def test_the_teacher_role_is_the_only_one_a_principal_may_give(
    client: TestClient, session: Session, wall: Wall
) -> None:
    token = as_principal(client)
    form = client.get("/admin/people/new").text
    assert 'value="teacher"' in form
    assert 'value="coach"' not in form and 'value="principal"' not in form
    for role in ("coach", "principal", "district_admin"):
        response = client.post(
            f"/admin/people/{wall.teacher_user.id}/roles",
            data={"csrf_token": token, "role": role, "school_id": str(wall.cedar.id)},
            follow_redirects=False,
        )
        assert response.status_code == 403, role
