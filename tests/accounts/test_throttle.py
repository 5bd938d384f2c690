"""Sign-in throttling: per account, per address, per known device, and counted atomically."""

import threading

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.accounts import service as accounts_service
from server.accounts.models import LoginAttempt
from server.accounts.service import LoginThrottled
from server.config import Settings
from tests.conftest import login
from tests.factories import PASSWORD
from tests.wall import Wall

COACH = "coach@example.org"


def test_twenty_concurrent_wrong_passwords_get_exactly_the_limit_of_guesses(
    engine: Engine, settings: Settings, wall: Wall
) -> None:
    checked: list[bool] = []
    barrier = threading.Barrier(20)

    def guess(n: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                accounts_service.authenticate(
                    session=own,
                    settings=settings,
                    email=COACH,
                    password=f"guess-{n}",
                    ip="10.0.0.9",
                )
                checked.append(True)
            except LoginThrottled:
                checked.append(False)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 20
    # Tries are counted one at a time: the first `limit` are checked, the rest refused.
    assert sum(checked) == settings.login_max_failures
    rows = session_rows(engine)
    assert sum(not row.throttled for row in rows) == settings.login_max_failures
    assert len(rows) == 20


def session_rows(engine: Engine) -> list[LoginAttempt]:
    with Session(engine) as own:
        return list(own.exec(select(LoginAttempt).where(LoginAttempt.email == COACH)).all())


def test_one_address_is_throttled_across_accounts(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    settings.login_max_failures_per_address = 4
    emails = [f"nobody{n}@example.org" for n in range(4)]
    for email in emails:
        assert login(client, email, "guess-guess").status_code == 400
    # A fifth account from the same address, even with the right password: refused.
    assert login(client, COACH, PASSWORD).status_code == 429
    attempts = session.exec(select(LoginAttempt).where(LoginAttempt.email == COACH)).all()
    assert [a.throttled for a in attempts] == [True]


def test_a_stranger_cannot_lock_the_owner_out_of_a_device_they_used_before(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    from server.main import create_app

    # The owner signed in from this tablet once, so it carries the device cookie.
    assert login(client, COACH, PASSWORD).status_code == 303
    assert client.cookies.get("cadence_device")
    client.cookies.delete("cadence_session")
    # A stranger elsewhere uses up the account's failures.
    with TestClient(create_app(settings)) as stranger:
        for _ in range(settings.login_max_failures):
            login(stranger, COACH, "guess-guess")
        assert login(stranger, COACH, PASSWORD).status_code == 429
    # The owner, on the known tablet, still gets in with the right password.
    assert login(client, COACH, PASSWORD).status_code == 303


def test_a_known_device_has_its_own_limit(
    client: TestClient, settings: Settings, wall: Wall
) -> None:
    assert login(client, COACH, PASSWORD).status_code == 303
    client.cookies.delete("cadence_session")
    for _ in range(settings.login_max_failures):
        assert login(client, COACH, "guess-guess").status_code == 400
    assert login(client, COACH, PASSWORD).status_code == 429


def test_a_device_cookie_of_another_account_counts_for_nothing(
    client: TestClient, settings: Settings, wall: Wall
) -> None:
    assert login(client, "teacher@example.org", PASSWORD).status_code == 303
    client.cookies.delete("cadence_session")
    for _ in range(settings.login_max_failures):
        login(client, COACH, "guess-guess")
    assert login(client, COACH, PASSWORD).status_code == 429


def test_signing_in_ends_the_browsers_earlier_session(
    client: TestClient, session: Session, settings: Settings, wall: Wall
) -> None:
    from server.accounts.models import LoginSession

    assert login(client, COACH, PASSWORD).status_code == 303
    first = client.cookies.get("cadence_session")
    assert login(client, "teacher@example.org", PASSWORD).status_code == 303
    second = client.cookies.get("cadence_session")
    assert first != second
    session.expire_all()
    assert len(session.exec(select(LoginSession)).all()) == 1
