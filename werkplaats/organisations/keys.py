"""API keys: 256 random bits with a public id; only their SHA-256 is ever stored or published."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from contracts import ApiKeyRecord

KEY_PATTERN = re.compile(r"^wp_([a-f0-9]{8})_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class IssuedKey:
    """A new key: the secret (shown once) and the record that is kept."""

    secret: str
    record: ApiKeyRecord


def hash_key(secret: str) -> str:
    """The SHA-256 of a key, hex encoded."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(now: datetime | None = None) -> IssuedKey:
    """A fresh key ``wp_<key id>_<43 random characters>``."""
    key_id = secrets.token_hex(4)
    secret = f"wp_{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKeyRecord(key_id=key_id, sha256=hash_key(secret), created_at=now or datetime.now(UTC))
    return IssuedKey(secret, record)


def key_id_of(secret: str) -> str | None:
    """The public id of a well-formed key, else None."""
    match = KEY_PATTERN.match(secret)
    return match.group(1) if match else None
