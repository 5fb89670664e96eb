"""Personal data at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256), keys rotatable."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SealError(ValueError):
    """Sealed data could not be opened with any configured key."""


class Sealer:
    """Seals JSON documents with the newest key and opens them with any configured key."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, document: dict[str, Any]) -> bytes:
        """The document as encrypted bytes."""
        return self._fernet.encrypt(json.dumps(document, ensure_ascii=False).encode())

    def open(self, sealed: bytes | None) -> dict[str, Any]:
        """The document inside ``sealed`` (empty when nothing is sealed)."""
        if sealed is None:
            return {}
        try:
            return dict(json.loads(self._fernet.decrypt(sealed)))
        except InvalidToken:
            raise SealError("sealed data does not open with the configured keys") from None

    def reseal(self, sealed: bytes) -> bytes:
        """Re-encrypt with the newest key (after a rotation)."""
        return self._fernet.rotate(sealed)


def key_from_file(path: Path) -> str:
    """The key in ``path``, created (readable by the owner only) when it does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(Fernet.generate_key().decode())
    return path.read_text().strip()
