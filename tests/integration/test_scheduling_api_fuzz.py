"""Schemathesis against the scheduling API's own OpenAPI document: no client input gets a 5xx or breaks it.

Stateless, a deterministic few hundred examples (25 per operation and mode, positive and negative data)
with a valid partner key. The service runs in Schemathesis's ASGI event loop (its lifespan starts
the runtime) on the real broker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.schemas import APIOperation

from contracts import OrganisationRole
from scheduling.main import create_app
from scheduling.settings import SchedulingSettings
from test_scheduling_api import skip_history
from werkplaats.organisations import add_organisation

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def fuzzed_app(bootstrap: str, database: Path) -> tuple[FastAPI, str]:
    """A scheduler app and a partner key of a fresh organisation."""
    run = uuid.uuid4().hex[:6]
    slug = f"fuzz-{run}"
    issued = asyncio.run(add_organisation(bootstrap, slug, name="Fuzz", role=OrganisationRole.PARTNER))
    asyncio.run(skip_history(bootstrap, f"fuzz-{run}"))
    settings = SchedulingSettings(
        database_url=f"sqlite+aiosqlite:///{database}",
        consumer_group=f"fuzz-{run}",
        requests_per_minute=1_000_000,
        outbox_idle_poll_s=0.2,
    )
    return create_app(settings, bootstrap_servers=bootstrap), issued.secret


@pytest.fixture(scope="module")
def fuzz_target(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, str]]:
    app, key = fuzzed_app(kafka_bootstrap, tmp_path_factory.mktemp("fuzz") / "s.db")
    yield app, key
    asgi.shutdown_lifespans()  # stops the runtime the first request started


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")  # schemathesis's own
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_server_error_or_an_undocumented_response(
    fuzz_target: tuple[FastAPI, str], mode: GenerationMode
) -> None:
    app, key = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 9
    for operation in operations:
        fuzz(operation, mode, {"Authorization": f"Bearer {key}"})


def fuzz(operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, headers: dict[str, str]) -> None:
    """Call ``operation`` with generated requests; a failing check raises with the request to reproduce."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        call()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # an operation without inputs has no invalid ones
