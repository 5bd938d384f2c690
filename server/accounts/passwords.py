"""Argon2 password hashing."""

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_PASSWORD = "not-a-real-password-used-for-timing"


@lru_cache(maxsize=4)
def hasher(time_cost: int = 3, memory_kib: int = 65536) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hash_password(password: str, *, ph: PasswordHasher) -> str:
    return ph.hash(password)


def verify_password(password_hash: str | None, password: str, *, ph: PasswordHasher) -> bool:
    if password_hash is None:
        ph.hash(_DUMMY_PASSWORD)
        return False
    try:
        return ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
