"""``werkplaats up`` (the whole system in one terminal) and ``werkplaats run`` (one service)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from contracts.topics import all_service_topics
from werkplaats.kafka_address import resolve_bootstrap
from werkplaats.localkafka import BrokerError, LocalKafka
from werkplaats.services import ServiceDefinition, UnknownServiceError, registered
from werkplaats.services import service as registered_service
from werkplaats.settings import RuntimeSettings
from werkplaats.topics_admin import ensure_topics

HEALTH_TIMEOUT_S = 90.0


def run(
    service: Annotated[str, typer.Argument(help="A registered service, e.g. scheduling.")],
    host: Annotated[str | None, typer.Option(help="Listen address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default from settings).")] = None,
) -> None:
    """Run one service in the foreground (its consumers, outbox relay and HTTP API)."""
    import uvicorn

    from werkplaats.logging import configure_logging

    try:
        entry = registered_service(service)
    except UnknownServiceError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    runtime_settings = RuntimeSettings()
    configure_logging(service, level=runtime_settings.log_level, fmt=runtime_settings.log_format)
    app = entry.create_app()
    settings = app.state.settings
    uvicorn.run(
        app,
        host=host or settings.http_host,
        port=port if port is not None else settings.http_port,
        log_config=None,
        access_log=False,
    )


def up(
    demo: Annotated[bool, typer.Option(help="Load the Zuidwest demo data on first start.")] = True,
) -> None:
    """Start the broker if needed and every service, load demo data once; Ctrl-C stops all."""
    settings = RuntimeSettings()
    local = None if settings.kafka_bootstrap_servers else LocalKafka()
    started_broker = local is not None and not local.status().running
    try:
        bootstrap = local.ensure_started() if local else resolve_bootstrap(settings)
    except BrokerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Kafka at {bootstrap}", err=True)
    asyncio.run(ensure_topics(bootstrap, all_service_topics()))
    services = registered()
    processes = {name: _spawn(entry, bootstrap) for name, entry in services.items()}
    try:
        for name, entry in services.items():
            _wait_healthy(entry, processes[name])
        if demo:
            _load_demo_once(settings.data_dir, bootstrap)
        _print_summary(bootstrap)
        _wait_for_stop(processes)
    finally:
        _stop_all(processes)
        if started_broker and local is not None:
            typer.echo("stopping Kafka ...", err=True)
            local.stop()


def _spawn(entry: ServiceDefinition, bootstrap: str) -> subprocess.Popen[bytes]:
    environment = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{entry.name.upper()}_HTTP_PORT": os.environ.get(f"{entry.name.upper()}_HTTP_PORT", str(entry.port)),
        "WERKPLAATS_LOG_FORMAT": os.environ.get("WERKPLAATS_LOG_FORMAT", "console"),
    }
    command = [sys.executable, "-m", "werkplaats", "run", entry.name]
    return subprocess.Popen(command, env=environment, start_new_session=True)  # noqa: S603


def _port(entry: ServiceDefinition) -> int:
    return int(os.environ.get(f"{entry.name.upper()}_HTTP_PORT", entry.port))


def _wait_healthy(entry: ServiceDefinition, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    url = f"http://127.0.0.1:{_port(entry)}/health"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise typer.Exit(f"{entry.name} exited with code {process.returncode}")  # type: ignore[arg-type]
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                typer.echo(f"{entry.name} is up at http://127.0.0.1:{_port(entry)}", err=True)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise typer.Exit(f"{entry.name} did not become healthy within {HEALTH_TIMEOUT_S:.0f} s")  # type: ignore[arg-type]


def _load_demo_once(data_dir: Path, bootstrap: str) -> None:
    marker = data_dir / "demo-loaded"
    if marker.exists():
        return
    for entry in registered().values():
        if entry.demo is not None:
            count = asyncio.run(entry.demo(bootstrap))
            typer.echo(f"loaded {count} demo events for {entry.name}", err=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("The Zuidwest demo data was published once; delete this file to publish it again.\n")


def _print_summary(bootstrap: str) -> None:
    lines = ["", "Werkplaats is running. Ctrl-C stops everything.", f"  Kafka        {bootstrap}"]
    for entry in registered().values():
        lines.append(
            f"  {entry.name:<12} http://127.0.0.1:{_port(entry)}  (API docs at /docs, health at /health)"
        )
    lines.append("  Conflicts    werkplaats conflicts --follow")
    typer.echo("\n".join(lines), err=True)


def _wait_for_stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    stop = {"requested": False}

    def request_stop(_signum: int, _frame: object) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stop["requested"]:
        for name, process in processes.items():
            if process.poll() is not None:
                typer.echo(f"{name} exited with code {process.returncode}; stopping", err=True)
                return
        time.sleep(0.5)


def _stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
