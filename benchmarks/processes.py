"""Services as the separate processes ``werkplaats up`` starts, each with its own database and port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

HEALTH_TIMEOUT_S = 120.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sqlalchemy_url(url: str) -> str:
    """The asyncpg form of a PostgreSQL URL (SQLite URLs are returned unchanged)."""
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


class ServiceProcess:
    """One service run as ``werkplaats run NAME`` in a process of its own, its logs in ``log_path``."""

    def __init__(self, name: str, environment: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.port = free_port()
        prefix = name.upper()
        self.environment = os.environ | environment | {f"{prefix}_HTTP_PORT": str(self.port)}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The process id (for a profiler to attach to)."""
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        """Start the process and wait until its ``/health`` answers 200."""
        self.process = self._spawn()
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}; see {self.log_path}"
                    )
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(
            f"{self.name} was not healthy within {HEALTH_TIMEOUT_S:.0f} s; see {self.log_path}"
        )

    def _spawn(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "werkplaats", "run", self.name, "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            return subprocess.Popen(  # noqa: S603 - our own console script, no shell
                command, env=self.environment, stdout=log, stderr=log, start_new_session=True
            )

    async def stop(self) -> None:
        """Stop the process with SIGTERM (SIGKILL after 20 s)."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


@asynccontextmanager
async def running(*services: ServiceProcess) -> AsyncIterator[tuple[ServiceProcess, ...]]:
    """Start ``services`` one after the other; stop them all on leaving."""
    try:
        for service in services:
            await service.start()
        yield services
    finally:
        for service in reversed(services):
            await service.stop()
