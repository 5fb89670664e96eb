"""Personal data sealed at rest: Fernet (AES-128-CBC with HMAC-SHA256), keys rotated with MultiFernet."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from centres.domain.errors import CentresError


class UnsealError(CentresError):
    """Sealed data cannot be opened with the configured keys."""


class Sealer:
    """Seals and opens JSON documents of personal data; the first key seals, every key opens."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, document: dict[str, Any]) -> bytes:
        """The document encrypted and authenticated."""
        return self._fernet.encrypt(json.dumps(document, sort_keys=True).encode())

    def open(self, token: bytes) -> dict[str, Any]:
        """The document back, or :class:`UnsealError`."""
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise UnsealError("personal data cannot be opened with the configured keys") from None
        return opened

    def reseal(self, token: bytes) -> bytes:
        """The token re-encrypted with the newest key (after a rotation)."""
        return self._fernet.rotate(token)


def keys_from(setting: str | None, key_file: Path) -> list[bytes]:
    """The configured keys, or the key file's (created with mode 0600 when missing)."""
    if setting:
        return [part.strip().encode() for part in setting.split(",") if part.strip()]
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
    return [key_file.read_bytes().strip()]
