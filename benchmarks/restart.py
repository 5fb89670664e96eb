"""A scheduler restarted on its intact SQLite database, after SIGTERM and after SIGKILL, alternating.

Run as ``python -m benchmarks.restart --bootstrap HOST:PORT [--rounds 3] [--activities 2000]
[--instance-id ID]``. It prints one line per restart: the code's label, the signal, seconds from the
process start until ``/health`` answers 200, seconds from then until one more published activity is
placed, and the load average. With ``--instance-id`` every scheduler runs with that
``SCHEDULING_INSTANCE_ID`` (static group membership).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.cold import ColdRun
from benchmarks.processes import ServiceProcess
from benchmarks.shape import load_average
from contracts.topics import all_service_topics, partner_topics
from werkplaats.topics_admin import ensure_topics

RUNNING_S = 3.0
"""How long each process runs before it is stopped or killed."""


def scheduler(run: ColdRun, url: str, group: str, instance_id: str | None) -> ServiceProcess:
    """A scheduler process of ``run`` (not started), with ``instance_id`` if one is given."""
    process = run.scheduler(url, group)
    if instance_id is not None:
        process.environment["SCHEDULING_INSTANCE_ID"] = instance_id
    return process


async def restart(
    run: ColdRun, process: ServiceProcess, url: str, group: str, instance_id: str | None, *, kill: bool
) -> ServiceProcess:
    """Stop (SIGTERM) or kill (SIGKILL) ``process``, then start another on the same database and group."""
    await asyncio.sleep(RUNNING_S)
    if kill:
        assert process.process is not None
        process.process.kill()
        await asyncio.to_thread(process.process.wait)
    else:
        await process.stop()
    return scheduler(run, url, group, instance_id)


async def measure(
    bootstrap: str, label: str, rounds: int, activities: int, instance_id: str | None = None
) -> None:
    """Place ``activities``, then restart the scheduler ``rounds`` times after each signal."""
    workdir = Path(tempfile.mkdtemp(prefix="werkplaats-restart-"))
    run = ColdRun(bootstrap, "sqlite", workdir, "")
    run.size(activities + 2 * rounds)
    await ensure_topics(bootstrap, [*all_service_topics(), *partner_topics(run.org)])
    await run.producer.start()
    url, group = f"sqlite+aiosqlite:///{workdir / 'scheduling.db'}", f"restart-{run.run.tag}"
    await run.publish(activities)
    process = scheduler(run, url, group, instance_id)
    await process.start()
    await run.wait_placed(url, activities, 600)
    try:
        for _ in range(rounds):
            for kill in (False, True):
                process = await restart(run, process, url, group, instance_id, kill=kill)
                started = time.perf_counter()
                await process.start()
                healthy = time.perf_counter()
                await run.publish(1)
                placed = await run.wait_placed(url, run.sent, 120)
                signal = "SIGKILL" if kill else "SIGTERM"
                print(f"{label}\t{signal}\t{healthy - started:.2f}\t{placed - healthy:.2f}\t{load_average()}")
    finally:
        await process.stop()
        await run.producer.stop()


def main() -> None:
    """Parse the arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--label", default="code")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--instance-id", help="Run the schedulers with this SCHEDULING_INSTANCE_ID.")
    arguments = parser.parse_args()
    asyncio.run(
        measure(
            arguments.bootstrap,
            arguments.label,
            arguments.rounds,
            arguments.activities,
            arguments.instance_id,
        )
    )


if __name__ == "__main__":
    main()
