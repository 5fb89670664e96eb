"""The Zuidwest demo through the service's demo hook, and the ``werkplaats initiatives`` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from initiatives.demo import DEMO, publish_demo
from initiatives.store import ActivityRow, InitiativeRow
from initiatives_support import events_of
from support.testing import wait_for
from werkplaats.db import Database
from werkplaats.services import service


def cli(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "werkplaats", "initiatives", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_demo_hook_loads_a_dozen_zuidwest_initiatives_at_every_stage(
    kafka_bootstrap: str, database_url: str, tmp_path: Path, monkeypatch: object
) -> None:
    environment = {
        "INITIATIVES_DATABASE_URL": database_url,
        "WERKPLAATS_DATA_DIR": str(tmp_path),
        "INITIATIVES_ENCRYPTION_KEYS": f'["{Fernet.generate_key().decode()}"]',
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)  # type: ignore[attr-defined]
    assert service("initiatives").demo is publish_demo
    assert await publish_demo(kafka_bootstrap, today=date(2026, 3, 16)) == len(DEMO) == 12
    database = Database(database_url)
    try:
        async with database.sessions() as session:
            rows = (await session.scalars(select(InitiativeRow))).all()
            activities = (await session.scalars(select(ActivityRow))).all()
    finally:
        await database.dispose()
    statuses = Counter(row.status for row in rows)
    assert set(statuses) == {
        "submitted",
        "in_intake",
        "supported",
        "running",
        "completed",
        "declined",
        "withdrawn",
    }
    assert {row.wijk for row in rows} == {"WK051833", "WK051834", "WK051835", "WK051836"}
    assert len(activities) == 2
    assert all(row.builder_id for row in rows)


async def test_the_initiatives_commands_list_report_keep_deadlines_and_close_days(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: object
) -> None:
    environment = {
        "INITIATIVES_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "WERKPLAATS_DATA_DIR": str(tmp_path),
        "INITIATIVES_ENCRYPTION_KEYS": f'["{Fernet.generate_key().decode()}"]',
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)  # type: ignore[attr-defined]
    await publish_demo(kafka_bootstrap)
    env = os.environ | environment
    listed = cli(env, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 12
    kept = cli(env, "keep-deadlines")
    assert kept.returncode == 0, kept.stderr
    report = cli(env, "report", "--format", "csv")
    assert "total,all,12" in report.stdout
    closed = cli(env, "closed-days", "add", "2026-12-28", "kerstsluiting")
    assert closed.returncode == 0
    assert "2026-12-28  kerstsluiting" in cli(env, "closed-days", "list").stdout
    wrong = cli(env, "reassign", json.loads(listed.stdout)[0]["initiative_id"], "cb-nobody")
    assert wrong.returncode == 2
    assert "no community builder 'cb-nobody'" in wrong.stderr


async def test_the_demo_events_reach_the_topic_through_the_running_service(
    kafka_bootstrap: str, tmp_path: Path, unique: Callable[[str], str], monkeypatch: object
) -> None:
    from initiatives_support import running

    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    async with running(kafka_bootstrap, url, unique("ini")) as live:
        key = live.app.state.settings.encryption_keys[0].get_secret_value()
        for name, value in {
            "INITIATIVES_DATABASE_URL": url,
            "WERKPLAATS_DATA_DIR": str(tmp_path),
            "INITIATIVES_ENCRYPTION_KEYS": f'["{key}"]',
        }.items():
            monkeypatch.setenv(name, value)  # type: ignore[attr-defined]
        await publish_demo(kafka_bootstrap)
        async with live.database.sessions() as session:
            references = set((await session.scalars(select(InitiativeRow.initiative_id))).all())

        async def relayed() -> bool:
            kinds = Counter(e.type for e in await events_of(kafka_bootstrap, references))
            return kinds["initiative.submitted"] >= 12 and kinds["initiative.subsidy_checked"] >= 3

        await wait_for(relayed)
