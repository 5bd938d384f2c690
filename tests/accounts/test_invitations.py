"""One-time links: a new account's owner chooses the password; the link works once, expires,
is stored only as a hash, and goes only to the account's own address."""

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.accounts import invitations
from server.accounts import service as accounts_service
from server.accounts.models import PasswordLink, User, UserCreate, UserUpdate
from server.accounts.service import AccountError
from server.audit.models import AuditEvent
from server.audit.service import Actor
from server.config import Settings
from server.db import utcnow
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD
from tests.mailbox import invitation_token, messages
from tests.wall import Wall

ADMIN_PAGES = Actor(user_id=None, via="admin pages")
NEW_PASSWORD = "a-password-of-my-own"


def invited(session: Session, settings: Settings, email: str = "new@example.org") -> User:
    user = accounts_service.create_user(
        session=session, settings=settings, data=UserCreate(name="New Person", email=email),
        actor=ADMIN_PAGES,
    )  # fmt: skip
    invitations.invite(session=session, settings=settings, user=user, actor=ADMIN_PAGES)
    session.commit()
    return user


def accept(client: TestClient, token: str, password: str = NEW_PASSWORD) -> int:
    csrf = get_csrf(client, "/login")
    response = client.post(
        f"/invitations/{token}",
        data={"csrf_token": csrf, "new_password": password, "confirm_password": password},
        follow_redirects=False,
    )
    return response.status_code


def test_only_the_hash_is_stored_and_the_link_works_once(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    invited(session, settings)
    token = invitation_token(settings, "new@example.org")
    link = session.exec(select(PasswordLink)).one()
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert login(client, "new@example.org", NEW_PASSWORD).status_code == 400  # not yet
    assert accept(client, token) == 303
    assert client.get("/account").status_code == 200  # signed in by the link
    assert accept(client, token, "another-password-1") == 404  # used up
    client.cookies.clear()
    assert login(client, "new@example.org", NEW_PASSWORD).status_code == 303
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "password")).all()
    assert [e.detail["change"] for e in events] == ["invited", "set"]


def test_an_expired_link_or_a_made_up_one_opens_nothing(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    invited(session, settings)
    token = invitation_token(settings, "new@example.org")
    link = session.exec(select(PasswordLink)).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    session.add(link)
    session.commit()
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 404 and "expired" in page.text
    assert accept(client, token) == 404
    assert client.get("/invitations/not-a-real-token").status_code == 404


def test_bad_passwords_are_named_and_the_link_still_works(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    invited(session, settings)
    token = invitation_token(settings, "new@example.org")
    csrf = get_csrf(client, f"/invitations/{token}")
    short = client.post(
        f"/invitations/{token}",
        data={"csrf_token": csrf, "new_password": "short", "confirm_password": "short"},
    )
    assert short.status_code == 400 and 'id="new_password-error"' in short.text
    assert "at least 10 characters" in short.text
    differ = client.post(
        f"/invitations/{token}",
        data={"csrf_token": csrf, "new_password": NEW_PASSWORD, "confirm_password": "x" * 12},
    )
    assert differ.status_code == 400 and 'id="confirm_password-error"' in differ.text
    assert accept(client, token) == 303


def test_a_new_link_ends_the_old_and_an_account_with_a_password_gets_none(
    session: Session, settings: Settings, wall: Wall
) -> None:
    user = invited(session, settings)
    first = invitation_token(settings, user.email)
    invitations.invite(session=session, settings=settings, user=user, actor=ADMIN_PAGES)
    session.commit()
    assert invitations.user_for_link(session=session, token=first) is None
    second = invitation_token(settings, user.email)
    assert invitations.user_for_link(session=session, token=second) == user
    try:
        invitations.invite(session=session, settings=settings, user=wall.coach, actor=ADMIN_PAGES)
    except AccountError as exc:
        assert "already set a password" in exc.message
    else:
        raise AssertionError("an account with a password got a link")


def test_changing_the_email_ends_links_sent_to_the_old_address(
    session: Session, settings: Settings, wall: Wall
) -> None:
    user = invited(session, settings)
    token = invitation_token(settings, user.email)
    accounts_service.update_user(
        session=session, user=user,
        data=UserUpdate(name=user.name, email="moved@example.org", is_active=True),
        actor=ADMIN_PAGES, may_change_email=True,
    )  # fmt: skip
    session.commit()
    assert invitations.user_for_link(session=session, token=token) is None


def test_two_tabs_racing_with_one_link_set_one_password(
    engine: Engine, session: Session, settings: Settings, wall: Wall
) -> None:
    user = invited(session, settings)
    token = invitation_token(settings, user.email)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def try_it(n: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                invitations.accept(
                    session=own, settings=settings, token=token, password=f"racing-pass-{n}"
                )
                own.commit()
                results.append("set")
            except Exception:
                own.rollback()
                results.append("refused")

    threads = [threading.Thread(target=try_it, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused", "refused", "refused", "set"]


def test_a_principal_resends_an_invitation_only_to_the_accounts_own_address(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    assert login(client, "principal@example.org", PASSWORD).status_code == 303
    csrf = get_csrf(client, "/admin/people/new")
    client.post(
        "/admin/people/new",
        data={"csrf_token": csrf, "name": "Nia New", "email": "nia@example.org",
              "role": "teacher", "school_id": str(wall.cedar.id)},
    )  # fmt: skip
    nia = session.exec(select(User).where(User.email == "nia@example.org")).one()
    edit = client.post(
        f"/admin/people/{nia.id}/edit",
        data={"csrf_token": csrf, "name": "Nia New", "email": "principal+nia@example.org",
              "is_active": "on"},
    )  # fmt: skip
    assert edit.status_code == 400
    assert "only a district admin can change someone else" in edit.text.lower()
    resend = client.post(
        f"/admin/people/{nia.id}/invite", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert resend.status_code == 303
    assert [m["To"] for m in messages(settings)] == ["nia@example.org", "nia@example.org"]
