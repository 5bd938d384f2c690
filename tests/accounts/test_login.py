"""Sign in, sign out, throttling, CSRF, and the session cookie."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.accounts.models import LoginAttempt, LoginSession, Role
from server.config import Settings
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD, create_district, create_school, create_user


def _coach(session: Session, settings: Settings, email: str = "coach@example.org"):  # type: ignore[no-untyped-def]
    school = create_school(session, create_district(session))
    user = create_user(session, settings, role=Role.coach, school=school, email=email)
    session.commit()
    return user


def test_login_success_sets_a_hardened_cookie_and_lands_on_the_week(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _coach(session, settings)
    response = login(client, "Coach@Example.org ", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/week"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("cadence_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in tests
    assert client.get("/caseload").status_code == 200


def test_session_cookie_is_secure_over_https(session: Session, settings: Settings) -> None:
    from server.main import create_app

    _coach(session, settings)
    with TestClient(create_app(settings), base_url="https://cadence.example") as https_client:
        response = login(https_client, "coach@example.org", PASSWORD)
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("cadence_session=")
    )
    assert "Secure" in cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _coach(session, settings)
    wrong = login(client, "coach@example.org", "not-the-password")
    unknown = login(client, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert "do not match an account" in wrong.text
    assert "do not match an account" in unknown.text
    assert 'value="coach@example.org"' in wrong.text  # what was typed is kept
    assert "cadence_session" not in wrong.headers.get("set-cookie", "")


def test_empty_fields_are_named_in_place(client: TestClient) -> None:
    response = login(client, "", "")
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert 'id="password-error"' in response.text


def test_five_failures_throttle_even_the_right_password(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _coach(session, settings)
    for _ in range(settings.login_max_failures):
        assert login(client, "coach@example.org", "wrong-password").status_code == 400
    blocked = login(client, "coach@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert f"Try again in {settings.login_window_minutes} minutes" in blocked.text
    # Throttling is per email: another account is unaffected.
    create_user(
        session, settings, role=Role.coach, school=_school(session), email="other@example.org"
    )
    session.commit()
    assert login(client, "other@example.org", PASSWORD).status_code == 303


def _school(session: Session):  # type: ignore[no-untyped-def]
    return create_school(session, create_district(session))


def test_unknown_emails_are_throttled_too(
    client: TestClient, settings: Settings, session: Session
) -> None:
    for _ in range(settings.login_max_failures):
        login(client, "ghost@example.org", "guess-guess")
    assert login(client, "ghost@example.org", "guess-guess").status_code == 429
    assert session.exec(select(LoginAttempt).where(LoginAttempt.email == "ghost@example.org")).all()


def test_post_without_csrf_token_is_rejected(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _coach(session, settings)
    client.get("/login")
    response = client.post("/login", data={"email": "coach@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert "csrf_token" in response.text


def test_csrf_token_from_another_browser_is_rejected(
    client: TestClient, settings: Settings, session: Session
) -> None:
    from server.main import create_app

    _coach(session, settings)
    with TestClient(create_app(settings)) as other_browser:
        foreign_token = get_csrf(other_browser)
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": "coach@example.org", "password": PASSWORD, "csrf_token": foreign_token},
    )
    assert response.status_code == 403


def test_logout_ends_the_server_session(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _coach(session, settings)
    login(client, "coach@example.org", PASSWORD)
    token = get_csrf(client, "/caseload")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert session.exec(select(LoginSession)).all() == []
    assert (
        client.get("/caseload", follow_redirects=False).headers["location"]
        == "/login?next=/caseload"
    )


def test_logout_requires_csrf(client: TestClient, session: Session, settings: Settings) -> None:
    _coach(session, settings)
    login(client, "coach@example.org", PASSWORD)
    assert client.post("/logout").status_code == 403
    assert client.get("/caseload").status_code == 200


def test_next_parameter_returns_to_the_page_but_never_off_site(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _coach(session, settings)
    token = get_csrf(client, "/login?next=/caseload")
    ok = client.post(
        "/login",
        data={
            "email": "coach@example.org",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/week"


def test_inactive_user_cannot_sign_in(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = _coach(session, settings)
    user.is_active = False
    session.add(user)
    session.commit()
    assert login(client, "coach@example.org", PASSWORD).status_code == 400


def test_signing_in_clears_expired_sessions_and_old_attempts(
    client: TestClient, session: Session, settings: Settings
) -> None:
    from datetime import timedelta

    from server.db import utcnow

    user = _coach(session, settings)
    long_ago = utcnow() - timedelta(days=30)
    session.add(LoginSession(token_hash="x" * 64, user_id=user.id, expires_at=long_ago))
    session.add(LoginAttempt(email="someone@example.org", succeeded=False, at=long_ago))
    session.commit()
    assert login(client, "coach@example.org", PASSWORD).status_code == 303
    session.expire_all()
    hashes = [s.token_hash for s in session.exec(select(LoginSession))]
    assert len(hashes) == 1 and hashes[0] != "x" * 64
    assert (
        session.exec(select(LoginAttempt).where(LoginAttempt.email == "someone@example.org")).all()
        == []
    )


def test_a_session_id_planted_before_sign_in_is_never_the_signed_in_one(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """Session fixation: an attacker's own session id (or a made-up one) set in the victim's
    browser before sign-in is replaced at sign-in, and never carries the victim's identity."""
    school = create_school(session, create_district(session))
    create_user(session, settings, role=Role.coach, school=school, email="coach@example.org")
    create_user(session, settings, role=Role.coach, school=school, email="attacker@example.org")
    session.commit()
    with TestClient(client.app) as attacker:
        assert login(attacker, "attacker@example.org", PASSWORD).status_code == 303
        planted = attacker.cookies["cadence_session"]
    for fixed in (planted, "made-up-session-id-0123456789"):
        client.cookies.clear()
        client.cookies.set("cadence_session", fixed, domain="testserver.local")
        assert login(client, "coach@example.org", PASSWORD).status_code == 303
        issued = client.cookies.get("cadence_session", domain="testserver.local")
        assert issued != fixed
        assert "coach@example.org" in client.get("/account").text
        with TestClient(client.app) as replay:
            replay.cookies.set("cadence_session", fixed, domain="testserver.local")
            page = replay.get("/account", follow_redirects=False)
            assert "coach@example.org" not in page.text
