"""Accounts: users, memberships, who may manage whom, passwords. Sign-in, sessions and
throttling are in signin.py, one-time password links in invitations.py; both are
re-exported here."""

from dataclasses import dataclass, field
from datetime import date

from argon2 import PasswordHasher
from sqlmodel import Session, col, delete, func, or_, select

from server.accounts import policy
from server.accounts.models import (
    ROLE_PRIORITY,
    LoginSession,
    Membership,
    PasswordLink,
    Role,
    User,
    UserCreate,
    UserUpdate,
)
from server.accounts.passwords import hash_password, hasher, verify_password

# Re-exported: callers sign in through the accounts service.
from server.accounts.signin import LoginThrottled as LoginThrottled
from server.accounts.signin import authenticate as authenticate
from server.accounts.signin import end_session as end_session
from server.accounts.signin import normalize_email as normalize_email
from server.accounts.signin import start_session as start_session
from server.accounts.signin import user_for_token as user_for_token
from server.audit import service as audit_service
from server.audit.service import Actor
from server.config import Settings
from server.roster.models import School, Teacher
from server.sync.models import ApiToken

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request the accounts domain refuses; the message names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


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

    def admin_scope(self) -> "AdminScope | None":
        """What this person may manage on the admin pages, or None (no admin role)."""
        admin_districts = self.district_ids(Role.district_admin)
        if admin_districts:
            return AdminScope(viewer=self, district_id=min(admin_districts), school_ids=None)
        principal_districts = self.district_ids(Role.principal)
        if principal_districts:
            district_id = min(principal_districts)
            school_ids = frozenset(
                m.school_id
                for m in self.memberships
                if m.role == Role.principal and m.district_id == district_id and m.school_id
            )
            return AdminScope(viewer=self, district_id=district_id, school_ids=school_ids)
        return None


@dataclass(frozen=True)
class AdminScope:
    """The part of the roster an admin page may show and change.

    A district admin manages the whole district (school_ids is None); a principal only the
    schools they lead, and there only the roles policy.PRINCIPAL_GRANTABLE names.
    """

    viewer: Viewer
    district_id: int
    school_ids: frozenset[int] | None

    @property
    def is_district_admin(self) -> bool:
        return self.school_ids is None

    @property
    def school_filter(self) -> set[int] | None:
        """For list queries: None means every school in the district."""
        return None if self.school_ids is None else set(self.school_ids)

    def covers_school(self, school: School) -> bool:
        if school.district_id != self.district_id:
            return False
        return self.school_ids is None or school.id in self.school_ids

    @property
    def grantable_roles(self) -> list[Role]:
        return policy.grantable_roles(district_admin=self.is_district_admin)

    def can_manage_membership(self, membership: Membership) -> bool:
        if membership.district_id != self.district_id:
            return False
        if self.school_ids is None:
            return True
        return (
            membership.role in policy.PRINCIPAL_GRANTABLE
            and membership.school_id in self.school_ids
        )

    def can_see_person(self, memberships: list[Membership]) -> bool:
        """Principals see people holding a role at their school; district admins everyone in
        the district, and people with no role at all (so nobody drops out of sight)."""
        if self.school_ids is None:
            return not memberships or any(m.district_id == self.district_id for m in memberships)
        return any(m.school_id in self.school_ids for m in memberships)

    def can_edit_account(self, user: User, memberships: list[Membership]) -> bool:
        """Name, email and active: a principal only for themselves and for people whose every
        role is one they manage (never, say, a district admin who also teaches there)."""
        if self.school_ids is None or user.id == self.viewer.id:
            return True
        return bool(memberships) and all(self.can_manage_membership(m) for m in memberships)

    def can_change_email(self, user: User) -> bool:
        """Only a district admin changes someone else's email: it is where that person's
        one-time sign-in links go, so whoever could change it could take the account over."""
        return self.school_ids is None or user.id == self.viewer.id


def _hasher(settings: Settings) -> PasswordHasher:
    return hasher(settings.argon2_time_cost, settings.argon2_memory_kib)


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


def _account_values(user: User) -> dict[str, object]:
    return {"name": user.name, "email": user.email, "is_active": user.is_active}


def create_user(
    *, session: Session, settings: Settings, data: UserCreate, actor: Actor | None
) -> User:
    """A new account. Only the command line and the demo give it a password: on the pages
    nobody chooses another person's password (they get an invitation, invitations.py).
    `actor` None writes no audit event (the demo and the tests' factories)."""
    if get_user_by_email(session=session, email=data.email) is not None:
        raise AccountError("email", f"{data.email} already has an account")
    user = User(email=normalize_email(data.email), name=data.name.strip())
    if data.password:
        check_password_strength(data.password)
        user.password_hash = hash_password(data.password, ph=_hasher(settings))
    session.add(user)
    session.flush()
    if actor is not None:
        audit_service.record_change(
            session=session, actor=actor, action="account", entity="user", entity_id=user.id,
            change="created", after={**_account_values(user), "password": bool(data.password)},
        )  # fmt: skip
    return user


def revoke_links(*, session: Session, user: User) -> None:
    """Delete the account's unused one-time password links (invitations.py makes them)."""
    session.exec(
        delete(PasswordLink).where(
            col(PasswordLink.user_id) == user.id, col(PasswordLink.used_at).is_(None)
        )
    )


def revoke_access(*, session: Session, user: User) -> None:
    """End every session and bearer token of the user (a lost tablet stays signed out)."""
    session.exec(delete(LoginSession).where(col(LoginSession.user_id) == user.id))
    session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user.id))


def set_password(
    *, session: Session, settings: Settings, user: User, password: str, actor: Actor | None
) -> None:
    """A new password ends every existing session and token of the account."""
    check_password_strength(password)
    had_password = user.password_hash is not None
    user.password_hash = hash_password(password, ph=_hasher(settings))
    session.add(user)
    revoke_access(session=session, user=user)
    if actor is not None:
        audit_service.record_change(
            session=session, actor=actor, action="password", entity="user", entity_id=user.id,
            change="changed" if had_password else "set",
        )  # fmt: skip


def change_own_password(
    *, session: Session, settings: Settings, user: User, current: str, new: str
) -> None:
    """The account page's change: the current password first, then the new one twice checked
    by the form. Every session and token ends; the caller starts a fresh session."""
    if not verify_password(user.password_hash, current, ph=_hasher(settings)):
        raise AccountError("current_password", "that is not your current password")
    if current == new:
        raise AccountError("new_password", "choose a password different from the current one")
    set_password(
        session=session, settings=settings, user=user, password=new,
        actor=Actor(user_id=user.id, via="account page"),
    )  # fmt: skip


def add_membership(
    *,
    session: Session,
    user: User,
    role: Role,
    district_id: int,
    school_id: int | None,
    actor: Actor | None,
    today: date | None = None,
) -> Membership:
    """Give a user a role; a teacher role also links (or creates) their roster entry.
    policy.role_grant_problem refuses a role given to oneself and a principal who would
    coach at their own school. `actor` None writes no audit event (demo, factories)."""
    if role.district_wide:
        school_id = None
    elif school_id is None:
        raise AccountError("school", f"a {role.label.lower()} needs a school")
    else:
        school = session.get(School, school_id)
        if school is None or school.district_id != district_id:
            raise AccountError("school", "choose a school in this district")
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
    assert user.id is not None
    problem = policy.role_grant_problem(
        session=session, actor_id=actor.user_id if actor else None, user_id=user.id, role=role,
        school_id=school_id, today=today or date.today(),
    )  # fmt: skip
    if problem:
        raise AccountError("role", problem)
    membership = Membership(
        user_id=user.id, role=role, district_id=district_id, school_id=school_id
    )
    session.add(membership)
    if role == Role.teacher and school_id is not None:
        link_teacher_record(
            session=session, user=user, district_id=district_id, school_id=school_id
        )
    session.flush()
    if actor is not None:
        audit_service.record_change(
            session=session, actor=actor, action="role", entity="user", entity_id=user.id,
            change="added", after=membership_values(membership),
        )  # fmt: skip
    return membership


def membership_values(membership: Membership) -> dict[str, object]:
    return {"role": membership.role.value, "school_id": membership.school_id}


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


def remove_membership(*, session: Session, membership: Membership, actor: Actor) -> None:
    """Take a role away. Nobody may remove their own last district admin role: that would
    lock the district out of its admin pages."""
    actor_id = actor.user_id
    if (
        actor_id is not None
        and membership.user_id == actor_id
        and membership.role == Role.district_admin
    ):
        admin_roles = session.exec(
            select(func.count())
            .select_from(Membership)
            .where(Membership.user_id == actor_id, Membership.role == Role.district_admin)
        ).one()
        if admin_roles <= 1:
            raise AccountError(
                "role",
                "you cannot remove your own last district admin role; "
                "ask another district admin to do it",
            )
    audit_service.record_change(
        session=session, actor=actor, action="role", entity="user",
        entity_id=membership.user_id, change="removed", before=membership_values(membership),
    )  # fmt: skip
    session.delete(membership)
    session.flush()


def list_users(
    *, session: Session, district_id: int, school_ids: set[int] | None = None
) -> list[User]:
    """People with a membership in the district (or, when given, in one of these schools)."""
    query = select(User).join(Membership).where(Membership.district_id == district_id)
    if school_ids is not None:
        query = query.where(col(Membership.school_id).in_(school_ids))
    return list(session.exec(query.distinct().order_by(User.name)))


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def update_user(
    *, session: Session, user: User, data: UserUpdate, actor: Actor, may_change_email: bool
) -> User:
    """Change name, email and active; nobody deactivates themselves. A new email ends the
    account's unused one-time links (they went to the old address)."""
    email = normalize_email(data.email)
    if email != user.email and not may_change_email:
        raise AccountError("email", "only a district admin can change someone else's email address")
    clash = get_user_by_email(session=session, email=email)
    if clash is not None and clash.id != user.id:
        raise AccountError("email", f"{email} already has an account")
    if actor.user_id is not None and user.id == actor.user_id and not data.is_active:
        raise AccountError("is_active", "you cannot deactivate your own account")
    before = _account_values(user)
    user.email = email
    user.name = data.name.strip()
    user.is_active = data.is_active
    session.add(user)
    after = _account_values(user)
    if before != after:
        if before["email"] != email:
            revoke_links(session=session, user=user)
        if not user.is_active:
            revoke_access(session=session, user=user)
        changed = [k for k in before if before[k] != after[k]]
        audit_service.record_change(
            session=session, actor=actor, action="account", entity="user", entity_id=user.id,
            change="updated", before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )  # fmt: skip
    session.flush()
    return user


@dataclass(frozen=True)
class Person:
    """A person with a login and the roles they hold (those in the asked-for scope)."""

    user: User
    memberships: list[Membership]


def list_people(
    *, session: Session, district_id: int, school_ids: set[int] | None = None
) -> list[Person]:
    """People with a role in the district, or (when given) at one of these schools.

    District-wide (school_ids None) also lists people who hold no role at all, so that
    someone whose last role was removed can still be found and given a new one.
    """
    query = select(Membership).where(Membership.district_id == district_id)
    if school_ids is not None:
        query = query.where(col(Membership.school_id).in_(school_ids))
    by_user: dict[int, list[Membership]] = {}
    for membership in session.exec(query.order_by(col(Membership.id))):
        by_user.setdefault(membership.user_id, []).append(membership)
    users_query = select(User).where(col(User.id).in_(list(by_user)))
    if school_ids is None:
        has_role = select(Membership.user_id).where(col(Membership.user_id) == User.id).exists()
        users_query = select(User).where(or_(col(User.id).in_(list(by_user)), ~has_role))
    users = session.exec(users_query.order_by(User.name, col(User.id)))
    return [Person(user=u, memberships=by_user.get(u.id or 0, [])) for u in users]
