"""A service database copied to a file and back: ``pg_dump``/``pg_restore`` for PostgreSQL, SQLite's backup.

A dump file gets a sidecar ``<file>.json`` saying when it was taken and, when the dump was made with
the broker at hand, the offsets the service's consumer groups had committed just before (a snapshot with
its changelog position, as Kafka Streams keeps with a state store). A restore moves the groups back to
those offsets (else to the moment of the dump less a margin), so the events after them are read again;
the inbox drops those the dump already holds, and each service's ``reconcile`` takes in the effects its
own topics show happened meanwhile, so none happens twice.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from werkplaats.errors import WerkplaatsError

REPLAY_MARGIN = timedelta(minutes=10)
"""Events this long before the dump are read again: offsets trail effects, clocks differ a little."""
TOOL_TIMEOUT_S = 3600.0


class BackupError(WerkplaatsError, RuntimeError):
    """A dump or a restore failed (the tool's message is included; never a password)."""


GroupOffsets = dict[str, dict[str, int]]
"""Per consumer group, the committed offset of each ``<topic>:<partition>``."""


@dataclass(frozen=True)
class DumpInfo:
    """What the sidecar of a dump says."""

    service: str
    taken_at: datetime
    backend: str
    offsets: GroupOffsets = field(default_factory=dict)
    """The groups' committed offsets read before the copy: every effect before them is in the dump."""

    @property
    def replay_from(self) -> datetime:
        """Where the consumer groups restart after a restore of this dump."""
        return self.taken_at - REPLAY_MARGIN


def sidecar(path: Path) -> Path:
    """The ``.json`` file beside a dump."""
    return path.with_name(path.name + ".json")


def read_info(path: Path) -> DumpInfo:
    """The sidecar of the dump at ``path``."""
    data = json.loads(sidecar(path).read_text(encoding="utf-8"))
    offsets = {
        group: {str(k): int(v) for k, v in found.items()} for group, found in data.get("offsets", {}).items()
    }
    return DumpInfo(data["service"], datetime.fromisoformat(data["taken_at"]), data["backend"], offsets)


def postgres_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on the PATH, else the newest PostgreSQL's own."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[::-1]), None
    )
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools; the password goes in the environment only."""
    arguments = [
        "--host",
        url.host or "127.0.0.1",
        "--port",
        str(url.port or 5432),
        "--dbname",
        url.database or "",
    ]
    if url.username:
        arguments += ["--username", url.username]
    environment = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else dict(os.environ)
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - the PostgreSQL tools, arguments built here
        command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False, env=environment
    )
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
        )


def _sqlite_path(url: URL) -> Path:
    return Path(url.database or "")


def dump(
    service: str,
    database_url: str,
    path: Path,
    *,
    now: datetime | None = None,
    offsets: GroupOffsets | None = None,
) -> DumpInfo:
    """Copy the database of ``service`` to ``path`` while it runs (a consistent snapshot).

    ``offsets`` are its consumer groups' committed offsets, read before this is called.
    """
    url = make_url(database_url)
    taken_at = now or datetime.now(UTC)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(path) as target:
            source.backup(target)
        backend = "sqlite"
    else:
        arguments, environment = _libpq(url)
        command = [postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path)]
        _run([*command, *arguments], environment)
        backend = "postgresql"
    info = DumpInfo(service, taken_at, backend, offsets or {})
    text = json.dumps(
        {"service": service, "taken_at": taken_at.isoformat(), "backend": backend, "offsets": info.offsets}
    )
    sidecar(path).write_text(text + "\n", encoding="utf-8")
    return info


def restore(database_url: str, path: Path) -> DumpInfo:
    """Replace the contents of the database at ``database_url`` with the dump at ``path``.

    The service must be stopped; afterwards its consumer groups are rewound (see ``restore_service``).
    """
    info = read_info(path)
    url = make_url(database_url)
    if info.backend == "sqlite":
        with sqlite3.connect(path) as source, sqlite3.connect(_sqlite_path(url)) as target:
            source.backup(target)
        return info
    arguments, environment = _libpq(url)
    command = [postgres_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*command, *arguments, str(path)], environment)
    return info
