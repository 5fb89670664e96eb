"""Markdown tables of the scheduling benchmark, for docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.scheduling.agenda import SizeResult
from benchmarks.scheduling.pipeline import PipelineResult

CHECK_AIM = 10.0
GROWTH_AIM = 3.0
LATENCY_AIM_MS = 100.0
THROUGHPUT_AIM = 0.5


def met(ok: bool) -> str:
    """Return ``met`` or ``**not met**``."""
    return "met" if ok else "**not met**"


def _us(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def agenda_markdown(results: Sequence[SizeResult]) -> str:
    """Tables of check cost per agenda size, build costs, and whether the aims were met."""
    first, last = results[0], results[-1]
    growth = last.interval.p50_us / first.interval.p50_us
    lines = [
        f"### Check cost vs agenda size ({first.drafts:,} participation drafts per size, "
        "the same on both sides)",
        "",
        "| activities | wijken | in-memory interval rules p50 / p99 µs | PostgreSQL p50 / p99 µs "
        "| ratio p50 / p99 | in-memory all five rules p50 / p99 µs | same conflicts |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.activities:,} | {r.wijken:,} | {_us(r.interval.p50_us)} / {_us(r.interval.p99_us)} "
        f"| {_us(r.postgres.p50_us)} / {_us(r.postgres.p99_us)} | {r.ratio_p50:.1f}x / {r.ratio_p99:.1f}x "
        f"| {_us(r.all_rules.p50_us)} / {_us(r.all_rules.p99_us)} | {r.agreeing:,}/{r.drafts:,} |"
        for r in results
    ]
    lines += [
        "",
        "| activities | occurrences | PostgreSQL rows | in-memory upserts s | COPY s | GiST indexes s "
        "| conflicts per draft: interval / all rules | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.activities:,} | {r.occurrences:,} | {r.rows:,} | {r.build_s:,.1f} | {r.copy_s:,.1f} "
        f"| {r.index_s:,.1f} | {r.conflicts_per_draft:.2f} / {r.all_conflicts_per_draft:.2f} "
        f"| {r.peak_rss_mb:,.0f} |"
        for r in results
    ]
    slowest = min(r.ratio_p50 for r in results)
    lines += [
        "",
        f"- Aim ≥ {CHECK_AIM:.0f}x faster than PostgreSQL (interval rules, p50, every size): "
        f"{met(slowest >= CHECK_AIM)} (lowest {slowest:.1f}x).",
        f"- Aim p50 growing ≤ {GROWTH_AIM:.0f}x from 1,000 to 1,000,000: {first.activities:,} → "
        f"{last.activities:,} grew {growth:.2f}x: {met(growth <= GROWTH_AIM)}"
        + ("" if (first.activities, last.activities) == (1_000, 1_000_000) else " (over the sizes measured)")
        + ".",
    ]
    return "\n".join(lines)


def pipeline_markdown(result: PipelineResult) -> str:
    """Tables of publish → detection latency and burst throughput against the raw loop."""
    latency, burst = result.latency, result.throughput
    latency_met = latency.p99_ms < LATENCY_AIM_MS and latency.received == latency.sent
    return "\n".join(
        [
            f"### On the broker (scheduler in-process, SQLite; it first replayed {result.replayed:,} "
            f"messages of the broker's history in {result.catch_up_s:.0f} s)",
            "",
            "Latency, publish on a partner topic → its `conflict.detected` read from "
            f"`scheduling.conflicts`, {latency.rate:g} activities/s for {latency.duration_s:g} s, "
            "each overlapping one placed before:",
            "",
            "| sent | detected | p50 ms | p99 ms | max ms | aim p99 < 100 ms |",
            "|---:|---:|---:|---:|---:|---|",
            f"| {latency.sent:,} | {latency.received:,} | {latency.p50_ms:,.1f} | {latency.p99_ms:,.1f} "
            f"| {latency.max_ms:,.1f} | {met(latency_met)} |",
            "",
            f"Burst of {burst.burst:,} activities published at once to one partner topic (3 partitions):",
            "",
            "| path | seconds | activities/s |",
            "|---|---:|---:|",
            f"| raw aiokafka consume loop, same records, commit per batch | {burst.raw_s:,.1f} "
            f"| {burst.burst / burst.raw_s:,.0f} |",
            f"| scheduler intake: first publish → all stored | {burst.intake_s:,.1f} "
            f"| {burst.burst / burst.intake_s:,.0f} |",
            "| scheduler: first publish → every placement applied by the detector "
            f"| {burst.scheduler_s:,.1f} "
            f"| {burst.burst / burst.scheduler_s:,.0f} |",
            f"| **ratio scheduler / raw** (aim ≥ {THROUGHPUT_AIM}: {met(burst.ratio >= THROUGHPUT_AIM)}) "
            f"| | **{burst.ratio:.3f}** |",
        ]
    )
