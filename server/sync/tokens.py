"""API tokens: bearer tokens for scripted sync clients, stored as their SHA-256 hash."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from server.accounts import service as accounts_service
from server.accounts.models import User
from server.accounts.service import Viewer
from server.db import utcnow
from server.sync.models import ApiToken

TOKEN_PREFIX = "cdn_"
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str


def create_token(*, session: Session, user: User) -> NewToken:
    """A new bearer token for `user`: returned once, only its hash is stored."""
    assert user.id is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token))
    session.add(row)
    session.commit()
    assert row.id is not None
    return NewToken(id=row.id, token=token)


def revoke_tokens(*, session: Session, user: User, token_id: int | None = None) -> int:
    """Delete one of the user's tokens (by id), or all of them; returns how many."""
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    rows = list(session.exec(query))
    for row in rows:
        session.delete(row)
    session.commit()
    return len(rows)


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id)))
    )


def viewer_for_token(*, session: Session, token: str) -> Viewer | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None:
        return None
    user = accounts_service.get_user(session=session, user_id=row.user_id)
    if user is None or not getattr(user, "is_active", True):
        return None
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > LAST_USED_GRANULARITY:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return accounts_service.load_viewer(session=session, user=user)
