"""Every service's first migration, built on the runtime's shared helper, gives the schema it always gave."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from support.schema import downgraded_schema, migrated_schema

SNAPSHOTS = Path(__file__).parent.parent / "fixtures" / "schemas"
SERVICES = ["centres", "dashboard", "initiatives", "notifications", "reach", "scheduling"]


def _location(service: str) -> str:
    return str(importlib.import_module(f"{service}.main").migrations_location())


def _dialect(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _snapshot(service: str, dialect: str) -> dict[str, Any]:
    snapshots: dict[str, Any] = json.loads((SNAPSHOTS / f"{service}.json").read_text())
    return snapshots[dialect]  # type: ignore[no-any-return]


@pytest.mark.parametrize("service", SERVICES)
async def test_first_migration_creates_the_schema_it_created_before_the_shared_helper(
    service: str, database_url: str
) -> None:
    schema = await migrated_schema(database_url, _location(service), "0001")

    expected = _snapshot(service, _dialect(database_url))
    assert sorted(schema) == sorted(expected)
    for table, description in expected.items():
        assert json.loads(json.dumps(schema[table])) == description, table


@pytest.mark.parametrize("service", SERVICES)
async def test_first_migration_downgrades_to_nothing_but_its_version_table(
    service: str, database_url: str
) -> None:
    schema = await downgraded_schema(database_url, _location(service), from_="0001", to="base")

    assert len(schema) == 1
    assert next(iter(schema)).startswith("alembic_version")
