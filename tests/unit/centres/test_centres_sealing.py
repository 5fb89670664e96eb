"""Personal data sealed at rest: unreadable without the key, readable after a key rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from centres.sealing import Sealer, UnsealError, keys_from


def test_a_sealed_document_hides_its_content_and_opens_again() -> None:
    sealer = Sealer([Fernet.generate_key()])
    token = sealer.seal({"name": "Fatima Yilmaz", "birth_date": "2004-02-29"})
    assert b"Fatima" not in token
    assert sealer.open(token)["birth_date"] == "2004-02-29"


def test_after_a_rotation_old_data_opens_and_new_data_uses_the_new_key() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    token = Sealer([old]).seal({"name": "Jan"})
    rotated = Sealer([new, old])
    assert rotated.open(token) == {"name": "Jan"}
    with pytest.raises(UnsealError):
        Sealer([new]).open(token)
    assert Sealer([new]).open(rotated.reseal(token)) == {"name": "Jan"}


def test_without_configured_keys_a_private_key_file_is_created_once(tmp_path: Path) -> None:
    key_file = tmp_path / "centres.key"
    first = keys_from(None, key_file)
    assert keys_from(None, key_file) == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert keys_from("a, b", key_file) == [b"a", b"b"]
