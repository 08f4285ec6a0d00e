"""Staff passwords: argon2id hashes, and the policy a new password must meet.

The hasher keeps argon2-cffi's defaults (RFC 9106's low-memory profile), so an upgrade of
the library that strengthens them shows up in ``needs_rehash`` and sign-in rehashes.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PASSWORD_MIN = 12
# Long passphrases are welcome, but argon2 on megabytes of input would be a cheap DoS.
PASSWORD_MAX = 256

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash (with its salt and parameters) stored for ``password``."""
    return _HASHER.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False (never an error) when not."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        # VerifyMismatchError is a VerificationError; a malformed stored hash is a mismatch.
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the hasher's current ones."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("not a real password, only spends time")


def spend_check(password: str) -> None:
    """Cost what a real check costs, for an unknown user: timing must not tell names apart."""
    check_password(_dummy_hash(), password)


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` may not be used by ``username`` (an i18n key), or None."""
    if len(password) < PASSWORD_MIN:
        return "staff.password_too_short"
    if len(password) > PASSWORD_MAX:
        return "staff.password_too_long"
    name = (username or "").strip().lower()
    if name and name in password.lower():
        return "staff.password_has_username"
    return None
