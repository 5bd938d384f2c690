"""One-time links to set a password: how a person gets into an account someone else made.

Nobody chooses another person's password. A new account has none; its owner gets a link by
mail, at the account's address, that works once and expires after `invitation_days`. Only
the token's hash is stored, and the admin who sent it never sees it. Until the link is used
the account cannot sign in.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from server import mail
from server.accounts import service as accounts_service
from server.accounts.models import PasswordLink, User
from server.accounts.service import AccountError
from server.audit import service as audit_service
from server.audit.service import Actor
from server.config import Settings
from server.db import utcnow

LINK_PATH = "/invitations/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(*, session: Session, settings: Settings, user: User, actor: Actor) -> PasswordLink:
    """Mail the account's owner a one-time link to set their password (earlier unused links
    stop working). Refused for an account that already has a password: that is not another
    person's to reset."""
    if user.password_hash is not None:
        raise AccountError("form", f"{user.name} has already set a password")
    if not user.is_active:
        raise AccountError("form", f"{user.name}'s account is inactive: make it active first")
    assert user.id is not None
    accounts_service.revoke_links(session=session, user=user)
    token = secrets.token_urlsafe(32)
    link = PasswordLink(
        token_hash=_hash(token), user_id=user.id, created_by=actor.user_id,
        expires_at=utcnow() + timedelta(days=settings.invitation_days),
    )  # fmt: skip
    session.add(link)
    session.flush()
    audit_service.record_change(
        session=session, actor=actor, action="password", entity="user", entity_id=user.id,
        change="invited", after={"email": user.email, "expires_at": link.expires_at.isoformat()},
    )  # fmt: skip
    url = settings.base_url.rstrip("/") + LINK_PATH + token
    body = (
        f"Hello {user.name},\n\n"
        "An account on Cadence, the coaching and observation tool of your district, was made "
        f"for you. Choose your own password here:\n\n{url}\n\n"
        f"The link works once, until {link.expires_at:%d %B %Y}. If you did not expect this, "
        "ignore this message: nobody can sign in to the account until you choose a password.\n"
    )
    mail.send(settings=settings, to=user.email, subject="Set your Cadence password", body=body)
    return link


def pending_link(*, session: Session, user: User) -> PasswordLink | None:
    """The account's newest unused, unexpired link (for the admin page: sent when, until)."""
    return session.exec(
        select(PasswordLink)
        .where(
            PasswordLink.user_id == user.id,
            col(PasswordLink.used_at).is_(None),
            col(PasswordLink.expires_at) > utcnow(),
        )
        .order_by(col(PasswordLink.id).desc())
    ).first()


def user_for_link(*, session: Session, token: str) -> User | None:
    """The account a link opens, while it is unused and unexpired; else None."""
    if not token or len(token) > 100:
        return None
    link = session.exec(select(PasswordLink).where(PasswordLink.token_hash == _hash(token))).first()
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    user = session.get(User, link.user_id)
    return user if user is not None and user.is_active else None


def accept(*, session: Session, settings: Settings, token: str, password: str) -> User:
    """Set the password through the link, which is then used up. The caller commits."""
    user = user_for_link(session=session, token=token)
    if user is None:
        raise AccountError("form", "this link has expired or has already been used")
    accounts_service.check_password_strength(password)
    # Used up in one conditional UPDATE, so two tabs racing with one link set one password.
    used = session.execute(
        update(PasswordLink)
        .where(col(PasswordLink.token_hash) == _hash(token), col(PasswordLink.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise AccountError("form", "this link has expired or has already been used")
    accounts_service.set_password(
        session=session, settings=settings, user=user, password=password,
        actor=Actor(user_id=user.id, via="invitation"),
    )  # fmt: skip
    accounts_service.revoke_links(session=session, user=user)
    return user
