"""The whole ``werkplaats bench scheduling`` run: both parts, as one markdown report."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass

from benchmarks.report import machine
from benchmarks.scheduling.agenda import run_agenda_benchmark
from benchmarks.scheduling.pipeline import run_pipeline
from benchmarks.scheduling.postgres import scratch_database
from benchmarks.scheduling.tables import agenda_markdown, pipeline_markdown
from werkplaats.logging import configure_logging


@dataclass(frozen=True)
class Options:
    """What to measure: agenda sizes and drafts, PostgreSQL, and the broker run's rate, length and burst."""

    sizes: list[int]
    drafts: int
    postgres_url: str
    rate: float
    duration: float
    burst: int


async def run(options: Options, bootstrap: str | None) -> str:
    """Run the agenda part, then (with a broker) the pipeline part; the report in markdown."""
    configure_logging("bench", level="WARNING", stream=sys.stderr)
    sections = [
        f"Machine: {machine()}.",
        "",
        f"Command: `werkplaats bench scheduling {shlex.join(sys.argv[3:])}`".rstrip() + "",
    ]
    async with scratch_database(options.postgres_url) as database_url:
        results = await run_agenda_benchmark(database_url, options.sizes, options.drafts)
    sections += ["", agenda_markdown(results)]
    if bootstrap is not None:
        pipeline = await run_pipeline(
            bootstrap, rate=options.rate, duration=options.duration, burst=options.burst
        )
        sections += ["", pipeline_markdown(pipeline)]
    return "\n".join(sections)
