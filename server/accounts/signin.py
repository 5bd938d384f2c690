"""Signing in: the password check, its throttles, known devices, and login sessions.

Three throttles, each over the last `login_window_minutes`:
- per account: `login_max_failures` failed tries since its last success;
- per network address: `login_max_failures_per_address` failed tries (any account);
- per known device: a browser that has signed in to an account before carries a signed
  cookie naming it. Its tries at that account count only against that device (the same
  `login_max_failures`), so a stranger's guessing never locks the owner out of a correct
  sign-in from a device they already used.

Each try is written (as failed) and the tries counted in one transaction, serialized per
account and per address (SQLite's write lock; PostgreSQL advisory locks), and committed
*before* its password is checked: of N concurrent tries the first `limit` go through and the
rest are refused, so a race cannot buy extra guesses. A try refused by a throttle is marked
throttled and not counted.
"""

import hashlib
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, delete, func, select

from server.accounts.models import LoginAttempt, LoginSession, User
from server.accounts.passwords import hasher, verify_password
from server.config import Settings
from server.db import advisory_lock, begin_writing, utcnow

DEVICE_COOKIE = "cadence_device"
DEVICE_COOKIE_DAYS = 400
# Key spaces of the advisory locks that order concurrent tries (PostgreSQL).
ACCOUNT_LOCKS = 0x5161
ADDRESS_LOCKS = 0x5162


class LoginThrottled(Exception):
    """Too many failed sign-ins for this account, address or device."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"Too many failed sign-in attempts. Try again in {minutes} minutes.")
        self.minutes = minutes


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _devices(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="known-device")


def device_cookie(*, settings: Settings, user: User, device_id: str | None = None) -> str:
    """The signed cookie value that marks this browser as one `user` signed in from."""
    return str(_devices(settings).dumps({"u": user.id, "d": device_id or secrets.token_hex(16)}))


def known_device(*, settings: Settings, cookie: str | None, user: User | None) -> str | None:
    """The device id when the cookie is ours and was given to this same account."""
    if not cookie or user is None:
        return None
    try:
        value = _devices(settings).loads(cookie)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("u") != user.id:
        return None
    device = value.get("d")
    return device if isinstance(device, str) and len(device) <= 64 else None


def _failures(session: Session, *conditions: object, since: object) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            col(LoginAttempt.succeeded).is_(False),
            col(LoginAttempt.throttled).is_(False),
            col(LoginAttempt.at) >= since,
            *conditions,  # type: ignore[arg-type]
        )
    )
    return session.exec(query).one()


def _is_throttled(
    *, session: Session, settings: Settings, attempt: LoginAttempt, ip: str | None
) -> bool:
    """Counts include `attempt` itself, already written."""
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == attempt.email, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    account_since = max(since, last_success) if last_success is not None else since
    if attempt.device is not None:
        mine = _failures(
            session, LoginAttempt.email == attempt.email, LoginAttempt.device == attempt.device,
            since=account_since,
        )  # fmt: skip
        return mine > settings.login_max_failures
    unknown = col(LoginAttempt.device).is_(None)
    account = _failures(session, LoginAttempt.email == attempt.email, unknown, since=account_since)
    if account > settings.login_max_failures:
        return True
    if ip is None:
        return False
    address = _failures(session, LoginAttempt.ip == ip, unknown, since=since)
    return address > settings.login_max_failures_per_address


def _record_try(
    *, session: Session, settings: Settings, attempt: LoginAttempt, ip: str | None
) -> bool:
    """Write the try, count, and commit, one try at a time per account and address: whether
    it is throttled. Account before address in every transaction, so two never wait on each
    other."""
    session.commit()
    begin_writing(session)
    advisory_lock(session, ACCOUNT_LOCKS, attempt.email)
    if ip is not None:
        advisory_lock(session, ADDRESS_LOCKS, ip)
    session.add(attempt)
    session.flush()
    attempt.throttled = _is_throttled(session=session, settings=settings, attempt=attempt, ip=ip)
    session.commit()
    return attempt.throttled


def authenticate(
    *,
    session: Session,
    settings: Settings,
    email: str,
    password: str,
    ip: str | None = None,
    device_cookie_value: str | None = None,
) -> User | None:
    """Check a login; None on any failure. Raises LoginThrottled after too many failures.

    The same answer and the same work whether or not the email exists, so a caller cannot
    learn which addresses have accounts.
    """
    email = normalize_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    device = known_device(settings=settings, cookie=device_cookie_value, user=user)
    attempt = LoginAttempt(email=email, succeeded=False, ip=ip, device=device)
    if _record_try(session=session, settings=settings, attempt=attempt, ip=ip):
        raise LoginThrottled(settings.login_window_minutes)
    ph = hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    ok = verify_password(user.password_hash if user else None, password, ph=ph)
    ok = ok and user is not None and user.is_active
    if ok:
        attempt.succeeded = True
        session.add(attempt)
        session.commit()
    return user if ok else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    *, session: Session, settings: Settings, user: User, replaces: str | None = None
) -> str:
    """Create a login session and return the cookie token (only its hash is stored).
    `replaces`, the browser's token from before, is ended: a session id is never carried
    across a sign-in (no fixation)."""
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    now = utcnow()
    # Housekeeping on sign-in: expired sessions and day-old attempts only take up space.
    session.exec(delete(LoginSession).where(col(LoginSession.expires_at) <= now))
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - timedelta(days=1)))
    if replaces:
        session.exec(
            delete(LoginSession).where(col(LoginSession.token_hash) == _token_hash(replaces))
        )
    session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=settings.session_days),
        )
    )
    session.commit()
    return token


def user_for_token(*, session: Session, token: str) -> User | None:
    row = session.exec(
        select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
    ).first()
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def end_session(*, session: Session, token: str) -> None:
    session.exec(delete(LoginSession).where(col(LoginSession.token_hash) == _token_hash(token)))
    session.commit()
