"""Secrets handed to users: random, and stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """A URL-safe random token of 192 bits."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code(digits: int = 6) -> str:
    """A random numeric code, e.g. for phone verification."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_hash(secret_key: str, subject: str, code: str) -> str:
    """A keyed hash of a short code: six digits alone would be guessed from a leaked hash."""
    message = f"{subject}:{code}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()
