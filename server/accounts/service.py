"""Accounts: users, memberships, authentication, sessions, throttling."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, col, delete, func, select

from server.accounts.models import (
    ROLE_PRIORITY,
    LoginAttempt,
    LoginSession,
    Membership,
    Role,
    User,
    UserCreate,
)
from server.accounts.passwords import hash_password, hasher, verify_password
from server.config import Settings
from server.db import utcnow
from server.roster.models import School, Teacher

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request the accounts domain refuses; the message names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class LoginThrottled(Exception):
    """Too many failed logins for one email address."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"Too many failed sign-in attempts. Try again in {minutes} minutes.")
        self.minutes = minutes


@dataclass(frozen=True)
class Viewer:
    """The signed-in person and every role they hold, for authorization."""

    user: User
    memberships: list[Membership] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def roles(self) -> list[Role]:
        held = {m.role for m in self.memberships}
        return [role for role in ROLE_PRIORITY if role in held]

    def has_role(self, role: Role) -> bool:
        return any(m.role == role for m in self.memberships)

    def has_role_value(self, value: str) -> bool:
        """For templates, which see role names as strings."""
        return self.has_role(Role(value))

    def school_ids(self, role: Role) -> set[int]:
        return {m.school_id for m in self.memberships if m.role == role and m.school_id}

    def district_ids(self, role: Role | None = None) -> set[int]:
        return {m.district_id for m in self.memberships if role is None or m.role == role}

    @property
    def district_id(self) -> int | None:
        ids = self.district_ids()
        return min(ids) if ids else None

    def can_manage_school(self, school: School) -> bool:
        """District admins manage every school in their district; principals their own."""
        return school.district_id in self.district_ids(Role.district_admin) or (
            school.id in self.school_ids(Role.principal)
        )


def _hasher(settings: Settings):  # type: ignore[no-untyped-def]
    return hasher(settings.argon2_time_cost, settings.argon2_memory_kib)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def list_memberships(*, session: Session, user_id: int) -> list[Membership]:
    return list(session.exec(select(Membership).where(Membership.user_id == user_id)))


def load_viewer(*, session: Session, user: User) -> Viewer:
    assert user.id is not None
    return Viewer(user=user, memberships=list_memberships(session=session, user_id=user.id))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


def create_user(*, session: Session, settings: Settings, data: UserCreate) -> User:
    if get_user_by_email(session=session, email=data.email) is not None:
        raise AccountError("email", f"{data.email} already has an account")
    user = User(email=normalize_email(data.email), name=data.name.strip())
    if data.password:
        check_password_strength(data.password)
        user.password_hash = hash_password(data.password, ph=_hasher(settings))
    session.add(user)
    session.flush()
    return user


def set_password(*, session: Session, settings: Settings, user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password, ph=_hasher(settings))
    session.add(user)
    # A new password ends every existing session (a lost tablet stays signed out).
    session.exec(delete(LoginSession).where(col(LoginSession.user_id) == user.id))


def add_membership(
    *, session: Session, user: User, role: Role, district_id: int, school_id: int | None
) -> Membership:
    """Give a user a role; a teacher role also links (or creates) their roster entry."""
    if role == Role.district_admin:
        school_id = None
    elif school_id is None:
        raise AccountError("school", f"a {role.label.lower()} needs a school")
    existing = session.exec(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.role == role,
            Membership.district_id == district_id,
            Membership.school_id == school_id,
        )
    ).first()
    if existing is not None:
        return existing
    membership = Membership(
        user_id=user.id, role=role, district_id=district_id, school_id=school_id
    )
    session.add(membership)
    if role == Role.teacher and school_id is not None:
        link_teacher_record(
            session=session, user=user, district_id=district_id, school_id=school_id
        )
    session.flush()
    return membership


def link_teacher_record(
    *, session: Session, user: User, district_id: int, school_id: int
) -> Teacher:
    teacher = session.exec(select(Teacher).where(Teacher.user_id == user.id)).first()
    if teacher is None:
        teacher = session.exec(
            select(Teacher).where(
                Teacher.district_id == district_id,
                Teacher.email == user.email,
                col(Teacher.user_id).is_(None),
            )
        ).first()
    if teacher is None:
        teacher = Teacher(
            name=user.name, email=user.email, district_id=district_id, school_id=school_id
        )
    teacher.user_id = user.id
    session.add(teacher)
    session.flush()
    return teacher


def remove_membership(*, session: Session, membership: Membership) -> None:
    session.delete(membership)
    session.flush()


def _recent_failures(*, session: Session, settings: Settings, email: str) -> int:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    if last_success is not None and last_success > since:
        since = last_success
    return session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.email == email,
            col(LoginAttempt.succeeded).is_(False),
            col(LoginAttempt.at) > since,
        )
    ).one()


def authenticate(
    *, session: Session, settings: Settings, email: str, password: str, ip: str | None = None
) -> User | None:
    """Check a login; None on any failure. Raises LoginThrottled after too many failures.

    The same answer and the same work whether or not the email exists, so a caller cannot
    learn which addresses have accounts.
    """
    email = normalize_email(email)
    if (
        _recent_failures(session=session, settings=settings, email=email)
        >= settings.login_max_failures
    ):
        raise LoginThrottled(settings.login_window_minutes)
    user = get_user_by_email(session=session, email=email)
    ok = verify_password(user.password_hash if user else None, password, ph=_hasher(settings))
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=email, succeeded=ok, ip=ip))
    session.commit()
    return user if ok else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(*, session: Session, settings: Settings, user: User) -> str:
    """Create a login session and return the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
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


def list_users(
    *, session: Session, district_id: int, school_ids: set[int] | None = None
) -> list[User]:
    """People with a membership in the district (or, when given, in one of these schools)."""
    query = select(User).join(Membership).where(Membership.district_id == district_id)
    if school_ids is not None:
        query = query.where(col(Membership.school_id).in_(school_ids))
    return list(session.exec(query.distinct().order_by(User.name)))
