"""Public submissions at a steady rate and flat out: the initiatives service against a plain one-row endpoint.

Both servers run as their own uvicorn processes on loopback with fresh SQLite databases; the load comes
from this process. The baseline is a FastAPI endpoint that validates a small body and inserts one row.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from benchmarks.report import machine, percentile
from werkplaats.db import Database

SUBMISSION: dict[str, Any] = {
    "title": "Buurtmaaltijd Moerwijk-Oost",
    "description": "Een maaltijd voor de hele straat in het buurthuis, iedereen kookt mee.",
    "neighbourhoods": ["BU05183620"],
    "help_wanted": ["money", "promotion"],
    "estimated_budget_eur": 600,
    "initiator": {"name": "Bench Bewoner", "email": "bench@example.org"},
}


class _Base(DeclarativeBase):
    pass


class PlainRow(_Base):
    """The baseline's one row per request."""

    __tablename__ = "plain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)


class PlainSubmission(BaseModel):
    """What the baseline accepts: any JSON object with a title."""

    title: str
    description: str = ""


def baseline_app() -> FastAPI:
    """A plain FastAPI endpoint writing one row (the baseline); database from ``BENCH_DATABASE_URL``."""
    database = Database(os.environ["BENCH_DATABASE_URL"])

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        await database.create_all(_Base.metadata)
        yield
        await database.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/submissions", status_code=201)
    async def submit(form: PlainSubmission) -> dict[str, int]:
        async with database.transaction() as session:
            row = PlainRow(title=form.title, body=form.description)
            session.add(row)
            await session.flush()
            return {"id": row.id}

    return app


@dataclass(frozen=True)
class Measured:
    """One endpoint's figures."""

    name: str
    sent: int
    failed: int
    p50_ms: float
    p99_ms: float
    burst_per_s: float


@dataclass(frozen=True)
class Result:
    """Both endpoints, and how the service compares."""

    service: Measured
    baseline: Measured
    rate: float
    duration_s: float
    concurrency: int
    command: str
    machine: str

    def markdown(self) -> str:
        """The result as a section of docs/benchmarks.md."""
        rows = [
            f"| {m.name} | {m.sent:,} | {m.failed} | {m.p50_ms:,.1f} | {m.p99_ms:,.1f} "
            f"| {m.burst_per_s:,.0f} |"
            for m in (self.service, self.baseline)
        ]
        ratio_p99 = self.service.p99_ms / self.baseline.p99_ms if self.baseline.p99_ms else float("nan")
        ratio_rate = (
            self.service.burst_per_s / self.baseline.burst_per_s if self.baseline.burst_per_s else 0.0
        )
        return "\n".join(
            [
                "## Initiatives: public submissions",
                "",
                f"Command: `{self.command}`",
                "",
                f"Machine: {self.machine}. Each server is its own uvicorn process on loopback with a fresh "
                f"SQLite database; the initiatives service also runs its consumer, keeper and outbox relay "
                f"to a real broker. Steady: {self.rate:g} submissions/s for {self.duration_s:g} s "
                "(open loop). "
                f"Flat out: {self.concurrency} clients for {self.duration_s:g} s.",
                "",
                "| endpoint | sent (steady) | failed | p50 ms | p99 ms | submissions/s flat out |",
                "|---|---|---|---|---|---|",
                *rows,
                "",
                f"Ratio service / baseline: p99 {ratio_p99:.1f} x, throughput {ratio_rate:.2f} x. "
                "A submission validates the form, seals the contact data (Fernet), reads the operations "
                "calendar and the builders' open loads, inserts the initiative and two outbox events in one "
                "transaction.",
            ]
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _server(target: str, environment: dict[str, str], port: int) -> Iterator[str]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(  # noqa: S603
        command, env=os.environ | environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{target} exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/docs", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        if process.poll() is None:
            process.kill()


async def _steady(
    client: httpx.AsyncClient, url: str, rate: float, duration: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failed = 0

    async def one() -> None:
        nonlocal failed
        started = time.perf_counter()
        try:
            answer = await client.post(f"{url}/v1/submissions", json=SUBMISSION)
            if answer.status_code != 201:
                failed += 1
                return
        except httpx.HTTPError:
            failed += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)

    tasks = []
    begin = time.perf_counter()
    for n in range(int(rate * duration)):
        await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return latencies, failed


async def _flat_out(client: httpx.AsyncClient, url: str, concurrency: int, duration: float) -> float:
    done = 0
    stop = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            answer = await client.post(f"{url}/v1/submissions", json=SUBMISSION)
            done += answer.status_code == 201

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def _measure(name: str, url: str, rate: float, duration: float, concurrency: int) -> Measured:
    limits = httpx.Limits(max_connections=concurrency * 4)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        await _steady(client, url, min(rate, 10.0), 3.0)  # warm-up
        latencies, failed = await _steady(client, url, rate, duration)
        burst = await _flat_out(client, url, concurrency, duration)
    return Measured(
        name,
        len(latencies) + failed,
        failed,
        percentile(latencies, 0.5) if latencies else 0.0,
        percentile(latencies, 0.99) if latencies else 0.0,
        burst,
    )


async def run_benchmark(bootstrap: str, *, rate: float, duration: float, concurrency: int) -> Result:
    """Measure the service and the baseline one after the other in this run."""
    with tempfile.TemporaryDirectory(prefix="werkplaats-bench-initiatives-") as scratch:
        directory = Path(scratch)
        service_env = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "WERKPLAATS_DATA_DIR": str(directory),
            "INITIATIVES_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'initiatives.db'}",
            # one group for every run: only the first run on a broker replays scheduling.conflicts
            "INITIATIVES_CONSUMER_GROUP": "bench-initiatives",
            "INITIATIVES_SUBMISSIONS_PER_MINUTE": "100000000",
            "INITIATIVES_ENCRYPTION_KEYS": f'["{Fernet.generate_key().decode()}"]',
            "WERKPLAATS_LOG_LEVEL": "WARNING",
        }
        with _server("initiatives.main:create_app", service_env, _free_port()) as url:
            service = await _measure("initiatives service", url, rate, duration, concurrency)
        baseline_env = {"BENCH_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'plain.db'}"}
        with _server("benchmarks.initiatives:baseline_app", baseline_env, _free_port()) as url:
            baseline = await _measure("plain FastAPI, one row", url, rate, duration, concurrency)
    command = (
        f"werkplaats bench initiatives --rate {rate:g} --duration {duration:g} --concurrency {concurrency}"
    )
    return Result(service, baseline, rate, duration, concurrency, command, machine())
