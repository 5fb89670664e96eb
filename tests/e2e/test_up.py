"""``werkplaats up`` starts the system with the demo data; Ctrl-C stops every process it started."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from support.testing import wait_for

RULES_IN_DUTCH = (
    "overlap in de buurt",
    "dubbele boeking",
    "zelfde avond",
    "te veel voor één doelgroep",
    "ongunstige datum",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_up_runs_the_demo_and_ctrl_c_stops_everything(
    kafka_bootstrap: str, unique, tmp_path: Path
) -> None:
    port = free_port()
    environment = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "WERKPLAATS_DATA_DIR": str(tmp_path / "data"),
        "SCHEDULING_HTTP_PORT": str(port),
        "SCHEDULING_CONSUMER_GROUP": unique("up"),
        "CENTRES_HTTP_PORT": str(free_port()),
        "CENTRES_CONSUMER_GROUP": unique("up-centres"),
        "DASHBOARD_HTTP_PORT": str(dashboard_port := free_port()),
        "DASHBOARD_CONSUMER_GROUP": unique("up-dashboard"),
        "DASHBOARD_START_FROM": "latest",
        "NOTIFICATIONS_HTTP_PORT": str(free_port()),
        "NOTIFICATIONS_CONSUMER_GROUP": unique("up-notifications"),
        "INITIATIVES_HTTP_PORT": str(free_port()),
        "INITIATIVES_CONSUMER_GROUP": unique("up-initiatives"),
        "REACH_HTTP_PORT": str(free_port()),
        "REACH_CONSUMER_GROUP": unique("up-reach"),
        "WERKPLAATS_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "up.log").open("wb")
    up = subprocess.Popen(
        [sys.executable, "-m", "werkplaats", "up"], env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        await wait_for(
            lambda: "Werkplaats is running" in (tmp_path / "up.log").read_text(), timeout=300, interval=0.5
        )
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        assert health.json()["status"] == "ok"
        assert (tmp_path / "data" / "demo-loaded").exists()
        summary = (tmp_path / "up.log").read_text()
        assert f"dashboard    http://127.0.0.1:{dashboard_port}" in summary
        assert "demo sign-in: beheer, opbouwwerker, coordinator; password werkplaats-demo" in summary
        sign_in = httpx.get(f"http://127.0.0.1:{dashboard_port}/aanmelden", timeout=5)
        assert sign_in.status_code == 200
        assert "Inloggen" in sign_in.text

        async def every_rule_listed() -> bool:
            listing = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "werkplaats", "conflicts"],
                env=environment,
                capture_output=True,
                text=True,
                check=True,
            )
            return all(rule in listing.stdout for rule in RULES_IN_DUTCH)

        await wait_for(every_rule_listed, timeout=90, interval=2)
        children = [int(pid) for pid in _children_of(up.pid)]
        assert children, "up runs every service as a child process"
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)
        log.close()
    assert up.returncode == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived werkplaats up"


def _children_of(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return found.stdout.split()
