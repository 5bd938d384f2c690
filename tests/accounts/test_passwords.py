"""A new password, from the account page, an invitation or the command line, ends every
session and bearer token of the account."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.accounts import service as accounts_service
from server.accounts.models import LoginSession
from server.audit.models import AuditEvent
from server.audit.service import COMMAND_LINE
from server.config import Settings
from server.main import create_app
from server.sync import tokens
from server.sync.models import ApiToken
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD
from tests.wall import Wall

API = {"X-Cadence-Sync": "1"}


def test_set_password_revokes_bearer_tokens_and_sessions(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    token = tokens.create_token(session=session, user=wall.coach).token
    assert (
        client.get("/api/sync/pull", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    login(client, "coach@example.org", PASSWORD)
    accounts_service.set_password(
        session=session, settings=settings, user=wall.coach, password="brand-new-pass",
        actor=COMMAND_LINE,
    )  # fmt: skip
    session.commit()
    assert session.exec(select(ApiToken)).all() == []
    assert (
        client.get("/api/sync/pull", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert client.get("/caseload", follow_redirects=False).status_code == 303
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "password")).one()
    assert event.user_id is None and event.detail["via"] == "command line"


def test_changing_my_password_needs_the_current_one_and_signs_out_everywhere_else(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    token = tokens.create_token(session=session, user=wall.coach).token
    with TestClient(create_app(settings)) as other_tablet:
        login(other_tablet, "coach@example.org", PASSWORD)
        login(client, "coach@example.org", PASSWORD)
        csrf = get_csrf(client, "/account")
        wrong = client.post(
            "/account/password",
            data={"csrf_token": csrf, "current_password": "not-it-at-all",
                  "new_password": "brand-new-pass", "confirm_password": "brand-new-pass"},
        )  # fmt: skip
        assert wrong.status_code == 400 and 'id="current_password-error"' in wrong.text
        changed = client.post(
            "/account/password",
            data={"csrf_token": csrf, "current_password": PASSWORD,
                  "new_password": "brand-new-pass", "confirm_password": "brand-new-pass"},
        )  # fmt: skip
        assert changed.status_code == 200 and "Password changed" in changed.text
        assert client.get("/caseload").status_code == 200  # this browser stays signed in
        assert other_tablet.get("/caseload", follow_redirects=False).status_code == 303
    assert len(session.exec(select(LoginSession)).all()) == 1
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/sync/pull", headers=headers).status_code == 401
    client.cookies.clear()
    assert login(client, "coach@example.org", "brand-new-pass").status_code == 303
