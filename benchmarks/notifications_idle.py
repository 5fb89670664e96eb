"""``python -m benchmarks.notifications_idle``: CPU an idle notifications process uses per second.

One notifications process (SQLite, a consumer group of its own, started at the topics' ends, so nothing
reaches it) is started on ``$KAFKA_BOOTSTRAP_SERVERS``; after ``--settle`` seconds (groups joined) its CPU
time is read from ``/proc`` over ``--window`` seconds. At a steady rate of N conflicts a second, this
idle cost is spread as ``idle / N`` milliseconds over each of them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from pathlib import Path

from benchmarks.idle import service_idle_cpu_ms_per_s
from benchmarks.report import machine
from benchmarks.shape import load_average


async def idle_cpu_ms_per_s(bootstrap: str, settle_s: float, window_s: float) -> float:
    """Milliseconds of CPU an idle notifications process uses per second of ``window_s``."""
    with tempfile.TemporaryDirectory(prefix="werkplaats-notify-idle-") as work:
        environment = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "WERKPLAATS_DATA_DIR": work,
            "WERKPLAATS_LOG_LEVEL": "WARNING",
            "NOTIFICATIONS_CONSUMER_GROUP": f"bench-idle-{uuid.uuid4().hex[:8]}",
            "NOTIFICATIONS_START_FROM": "latest",
        }
        return await service_idle_cpu_ms_per_s("notifications", environment, Path(work), settle_s, window_s)


def main() -> None:
    """Measure and print a table row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=15.0, help="Seconds after /health before measuring.")
    parser.add_argument("--window", type=float, default=20.0, help="Seconds measured.")
    options = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    used = asyncio.run(idle_cpu_ms_per_s(bootstrap, options.settle, options.window))
    print(
        f"Command: `python -m benchmarks.notifications_idle --settle {options.settle:g} "
        f"--window {options.window:g}`"
    )
    print(f"Machine: {machine()}; load average {load_average()}.\n")
    print("| idle notifications: CPU ms per s |\n|---:|")
    print(f"| {used:.1f} |")


if __name__ == "__main__":
    main()
