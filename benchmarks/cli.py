"""``werkplaats bench``: benchmarks measured against a baseline in the same run."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from werkplaats.kafka_address import ensure_broker
from werkplaats.settings import RuntimeSettings

app = typer.Typer(help="Run a benchmark against a baseline measured in the same run.", no_args_is_help=True)


Databases = Annotated[str, typer.Option(help="sqlite, postgresql or both, comma-separated.")]
ScratchPostgres = Annotated[
    str, typer.Option(envvar="WERKPLAATS_BENCH_POSTGRES_URL", help="PostgreSQL to create scratch DBs in.")
]
SCRATCH_POSTGRES = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"


def listed(value: str) -> list[str]:
    """The items of a comma-separated option."""
    return [item.strip() for item in value.split(",") if item.strip()]


def register(werkplaats: typer.Typer) -> None:
    """Add ``werkplaats bench`` (entry point ``werkplaats.commands``)."""
    werkplaats.add_typer(app, name="bench")


@app.command()
def runtime(
    events: Annotated[int, typer.Option(help="Events per round.")] = 20_000,
    rounds: Annotated[int, typer.Option(help="Rounds; medians are reported.")] = 3,
    databases: Databases = "sqlite",
    postgres: ScratchPostgres = SCRATCH_POSTGRES,
    rate: Annotated[
        float, typer.Option(help="Steady mode: events per second, one per batch (0: a burst per round).")
    ] = 0,
    duration: Annotated[float, typer.Option(help="Steady mode: seconds per round.")] = 10,
) -> None:
    """Events per second through outbox → Kafka → idempotent consumer, against a raw aiokafka loop."""
    from benchmarks.runtime import run_benchmark

    bootstrap = ensure_broker(RuntimeSettings())
    kinds = listed(databases)
    if rate > 0:
        from benchmarks.runtime_steady import steady_command

        typer.echo(asyncio.run(steady_command(bootstrap, rate, duration, rounds, databases, postgres)))
        return
    typer.echo(f"broker {bootstrap}; {rounds} rounds of {events:,} events per path ...", err=True)
    result = asyncio.run(
        run_benchmark(bootstrap, events=events, rounds=rounds, databases=kinds, postgres_url=postgres)
    )
    typer.echo(
        f"Command: `werkplaats bench runtime --events {events} --rounds {rounds} --databases {databases}`\n"
    )
    typer.echo(result.markdown())


@app.command()
def scheduling(
    sizes: Annotated[str, typer.Option(help="Agenda sizes, comma-separated.")] = "1000,10000,100000,1000000",
    drafts: Annotated[int, typer.Option(help="Draft activities checked per size.")] = 1000,
    postgres: Annotated[
        str,
        typer.Option(envvar="WERKPLAATS_BENCH_POSTGRES_URL", help="PostgreSQL to create a scratch DB in."),
    ] = "postgresql://postgres:postgres@127.0.0.1:5432/postgres",
    rate: Annotated[float, typer.Option(help="Activities per second in the latency run.")] = 100,
    duration: Annotated[float, typer.Option(help="Seconds of the latency run.")] = 30,
    burst: Annotated[int, typer.Option(help="Activities in the throughput burst.")] = 100_000,
    broker: Annotated[bool, typer.Option(help="Also measure on the Kafka broker.")] = True,
) -> None:
    """Conflict checks in memory vs PostgreSQL per agenda size; scheduler latency and throughput on Kafka."""
    from benchmarks.scheduling import command

    bootstrap = ensure_broker(RuntimeSettings()) if broker else None
    options = command.Options(
        [int(size) for size in sizes.split(",")], drafts, postgres, rate, duration, burst
    )
    typer.echo(asyncio.run(command.run(options, bootstrap)))


@app.command()
def notifications(
    rate: Annotated[float, typer.Option(help="Conflicting activities per second.")] = 100,
    duration: Annotated[float, typer.Option(help="Seconds of the steady run.")] = 30,
) -> None:
    """Partner publish → webhook warning through scheduler and notifications: p50, p99 and time per hop."""
    from benchmarks.notifications import run_benchmark

    bootstrap = ensure_broker(RuntimeSettings())
    typer.echo(f"broker {bootstrap}; {rate:g} activities/s for {duration:g} s ...", err=True)
    typer.echo(asyncio.run(run_benchmark(bootstrap, rate=rate, duration=duration)).markdown())


@app.command()
def initiatives(
    rate: Annotated[float, typer.Option(help="Public submissions per second in the steady run.")] = 50,
    duration: Annotated[float, typer.Option(help="Seconds of the steady and of the flat-out run.")] = 5,
    concurrency: Annotated[int, typer.Option(help="Clients in the flat-out run.")] = 16,
) -> None:
    """Public submissions: p99 at a steady rate and submissions/s, against a plain one-row endpoint."""
    from benchmarks.initiatives import run_benchmark

    bootstrap = ensure_broker(RuntimeSettings())
    typer.echo(f"broker {bootstrap}; {rate:g} submissions/s for {duration:g} s, then flat out ...", err=True)
    result = asyncio.run(run_benchmark(bootstrap, rate=rate, duration=duration, concurrency=concurrency))
    typer.echo(result.markdown())


@app.command()
def centres(
    volunteers: Annotated[int, typer.Option(help="Volunteers, each with a year of payments.")] = 10_000,
    checks: Annotated[int, typer.Option(help="Payments checked per side and round.")] = 2_000,
    rounds: Annotated[int, typer.Option(help="Rounds; medians are reported.")] = 3,
    postgres: Annotated[
        str | None,
        typer.Option(
            envvar="WERKPLAATS_BENCH_POSTGRES_URL",
            help="Also on PostgreSQL: a server to create a scratch DB in.",
        ),
    ] = None,
) -> None:
    """Allowance cap checks per second: the service's check against the same check as one SQL query."""
    from benchmarks.centres import report, run_benchmark, scratch_postgres

    async def both() -> str:
        results = [await run_benchmark(None, volunteers=volunteers, checks=checks, rounds=rounds)]
        if postgres:
            url, drop = await scratch_postgres(postgres)
            try:
                results.append(await run_benchmark(url, volunteers=volunteers, checks=checks, rounds=rounds))
            finally:
                await drop
        return report(results)

    typer.echo(f"{volunteers:,} volunteers, {checks:,} checks per side, {rounds} rounds ...", err=True)
    typer.echo(asyncio.run(both()))


@app.command()
def dashboard(
    pages: Annotated[int, typer.Option(help="Open SSE pages per endpoint.")] = 200,
    conflicts: Annotated[int, typer.Option(help="Conflicts in the burst.")] = 1000,
) -> None:
    """Live conflicts: topic → page latency over N open pages, against a bare Kafka → SSE endpoint."""
    from benchmarks.dashboard import run_benchmark

    bootstrap = ensure_broker(RuntimeSettings())
    typer.echo(
        f"broker {bootstrap}; {pages} pages per endpoint, a burst of {conflicts:,} conflicts ...", err=True
    )
    typer.echo(asyncio.run(run_benchmark(bootstrap, pages=pages, conflicts=conflicts)).markdown())


@app.command()
def shape(
    rate: Annotated[float, typer.Option(help="Conflicting activities per second in the steady run.")] = 100,
    duration: Annotated[float, typer.Option(help="Seconds of the steady run.")] = 10,
    burst: Annotated[int, typer.Option(help="Activities in each throughput burst (0: none).")] = 10_000,
    databases: Databases = "sqlite,postgresql",
    postgres: ScratchPostgres = SCRATCH_POSTGRES,
    scale_out: Annotated[bool, typer.Option(help="Also burst through two scheduler processes.")] = True,
    detection: Annotated[
        str, typer.Option(help="The scheduler's detection modes, each measured: inline, partitioned or both.")
    ] = "inline,partitioned",
) -> None:
    """Production shape: each service its own process; publish → conflict and → webhook, bursts vs raw."""
    from benchmarks.shape import Options, markdown, run_benchmark

    bootstrap = ensure_broker(RuntimeSettings())
    options = Options(
        rate,
        duration,
        burst,
        tuple(listed(databases)),
        postgres,
        scale_out,
        detection=tuple(listed(detection)),
    )
    typer.echo(f"broker {bootstrap}; {rate:g} activities/s for {duration:g} s ...", err=True)
    typer.echo(markdown(asyncio.run(run_benchmark(bootstrap, options)), options))


@app.command()
def cold(
    activities: Annotated[
        int, typer.Option(help="Activities published before the scheduler starts (before the dump).")
    ] = 20_000,
    databases: Databases = "sqlite",
    postgres: ScratchPostgres = SCRATCH_POSTGRES,
    restore: Annotated[
        bool,
        typer.Option(help="A new instance from a dump of the first one, against a replay from scratch."),
    ] = False,
    later: Annotated[int, typer.Option(help="With --restore: activities published after the dump.")] = 1_000,
) -> None:
    """Cold start: a scheduler process with an empty database catching up; then a restart on it."""
    from benchmarks.report import machine

    bootstrap = ensure_broker(RuntimeSettings())
    kinds = listed(databases)
    if restore:
        from benchmarks.cold import from_snapshot, report

        async def snapshots() -> str:
            results = [await from_snapshot(bootstrap, kind, activities, later, postgres) for kind in kinds]
            return report(results, activities, later, databases)

        typer.echo(asyncio.run(snapshots()))
        return
    from benchmarks.shape import COLD_HEADER, cold_start

    async def each() -> list[str]:
        return [(await cold_start(bootstrap, kind, activities, postgres)).markdown() for kind in kinds]

    rows = asyncio.run(each())
    typer.echo(f"Command: `werkplaats bench cold --activities {activities} --databases {databases}`\n")
    typer.echo(f"Machine: {machine()}.\n\n{COLD_HEADER}\n" + "\n".join(rows))


@app.command()
def notify(
    rate: Annotated[float, typer.Option(help="Conflicts per second in the steady run.")] = 100,
    duration: Annotated[float, typer.Option(help="Seconds of the steady run.")] = 10,
    databases: Databases = "sqlite",
    postgres: ScratchPostgres = SCRATCH_POSTGRES,
) -> None:
    """Notifications alone as a process: conflict.detected at a steady rate → signed webhook."""
    from benchmarks.notifications_process import markdown, measure

    bootstrap = ensure_broker(RuntimeSettings())
    kinds = listed(databases)

    async def each() -> list:  # type: ignore[type-arg]
        return [await measure(bootstrap, kind, rate, duration, postgres) for kind in kinds]

    command = f"werkplaats bench notify --rate {rate:g} --duration {duration:g} --databases {databases}"
    typer.echo(markdown(asyncio.run(each()), command))
