"""``python -m benchmarks.idle``: CPU an idle ``werkplaats run scheduling`` process uses per second.

One scheduler process (inline detection, SQLite, a consumer group and partner pattern of its own, so
nothing is on its topics) is started on ``$KAFKA_BOOTSTRAP_SERVERS``; after ``--settle`` seconds (groups
joined, views loaded) its CPU time is read from ``/proc`` over ``--window`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.processes import ServiceProcess
from benchmarks.report import machine
from benchmarks.shape import cpu_seconds, load_average


async def idle_cpu_ms_per_s(bootstrap: str, settle_s: float, window_s: float) -> float:
    """Milliseconds of CPU an idle scheduler process uses per second of ``window_s``."""
    with tempfile.TemporaryDirectory(prefix="werkplaats-idle-") as work:
        tag = uuid.uuid4().hex[:8]
        environment = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "WERKPLAATS_DATA_DIR": work,
            "WERKPLAATS_LOG_LEVEL": "WARNING",
            "SCHEDULING_CONSUMER_GROUP": f"bench-idle-{tag}",
            "SCHEDULING_PARTNER_TOPIC_PATTERN": rf"^partner\.bench-idle-{tag}\.activities$",
        }
        return await service_idle_cpu_ms_per_s("scheduling", environment, Path(work), settle_s, window_s)


async def service_idle_cpu_ms_per_s(
    service: str, environment: dict[str, str], work: Path, settle_s: float, window_s: float
) -> float:
    """Milliseconds of CPU a ``werkplaats run SERVICE`` process uses per second of ``window_s``, idle."""
    process = ServiceProcess(service, environment, work / f"{service}.log")
    await process.start()
    try:
        await asyncio.sleep(settle_s)
        used, started = cpu_seconds([process.pid]), time.perf_counter()
        await asyncio.sleep(window_s)
        return (cpu_seconds([process.pid]) - used) * 1e3 / (time.perf_counter() - started)
    finally:
        await process.stop()


def main() -> None:
    """Measure and print a table row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=45.0, help="Seconds after /health before measuring.")
    parser.add_argument("--window", type=float, default=20.0, help="Seconds measured.")
    options = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    used = asyncio.run(idle_cpu_ms_per_s(bootstrap, options.settle, options.window))
    print(f"Command: `python -m benchmarks.idle --settle {options.settle:g} --window {options.window:g}`")
    print(f"Machine: {machine()}; load average {load_average()}.\n")
    print("| idle scheduler: CPU ms per s |\n|---:|")
    print(f"| {used:.1f} |")


if __name__ == "__main__":
    main()
