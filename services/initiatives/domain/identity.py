"""Initiative references: short, unguessable, easy to read out on the phone."""

from __future__ import annotations

import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_initiative_id(randbits: int | None = None) -> str:
    """A fresh reference such as ``INI-7K3M-9Q2X`` (40 random bits)."""
    value = secrets.randbits(40) if randbits is None else randbits
    chars = "".join(CROCKFORD[(value >> (5 * index)) & 31] for index in range(8))
    return f"INI-{chars[:4]}-{chars[4:]}"


def new_access_token() -> str:
    """A secret the initiator keeps to read the status and to ask for an export or erasure."""
    return secrets.token_urlsafe(24)
