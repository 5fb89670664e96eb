"""``werkplaats bench``: benchmarks measured against a baseline in the same run."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from werkplaats.kafka_address import ensure_broker
from werkplaats.settings import RuntimeSettings

app = typer.Typer(help="Run a benchmark against a baseline measured in the same run.", no_args_is_help=True)


@app.command()
def runtime(
    events: Annotated[int, typer.Option(help="Events per round.")] = 20_000,
    rounds: Annotated[int, typer.Option(help="Rounds; medians are reported.")] = 3,
) -> None:
    """Events per second through outbox → Kafka → idempotent consumer, against a raw aiokafka loop."""
    from werkplaats.bench.runtime import run_benchmark

    bootstrap = ensure_broker(RuntimeSettings())
    typer.echo(f"broker {bootstrap}; {rounds} rounds of {events:,} events per path ...", err=True)
    result = asyncio.run(run_benchmark(bootstrap, events=events, rounds=rounds))
    typer.echo(result.markdown())
