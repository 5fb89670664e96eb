"""Describing the machine a benchmark ran on, and summarising timings."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence


def machine() -> str:
    """CPU model, core count, memory and Python version, on one line."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.system()}"


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def quantiles_ms(seconds: Sequence[float], *fractions: float) -> tuple[float, ...]:
    """The ``fractions`` quantiles of ``seconds`` in milliseconds (1.0: the largest; NaN for none)."""
    if not seconds:
        return tuple(float("nan") for _ in fractions)
    ordered = sorted(seconds)
    return tuple(percentile(ordered, fraction) * 1e3 for fraction in fractions)


def median(samples: Sequence[float]) -> float:
    """The median of ``samples``."""
    return statistics.median(samples)
