"""Start, find, check and end the broker's JVM processes: pid files, command lines, signals."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import structlog

MAIN_CLASS = "kafka.Kafka"

log = structlog.get_logger(__name__)

# JVMs started by this interpreter: kept referenced so Popen never warns about a live child.
_launched: dict[int, subprocess.Popen[bytes]] = {}


def launch(command: list[str], output: Path, cwd: Path) -> int:
    """Start ``command`` in a session of its own, its output appended to ``output``; its pid."""
    with output.open("ab") as out:
        child = subprocess.Popen(  # noqa: S603 - own command line
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
    _launched[child.pid] = child
    return child.pid


def forget(pid: int) -> None:
    """Let go of a launched process that has ended."""
    _launched.pop(pid, None)


def _ps() -> str:
    return shutil.which("ps") or "/bin/ps"


def command_line(pid: int) -> str | None:
    """Return the command line of process ``pid``, or ``None`` when there is no such live process."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return None
            return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            return None
    command = [_ps(), "-ww", "-o", "stat=,args=", "-p", str(pid)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    stat, _, args = result.stdout.strip().partition(" ")
    return None if result.returncode != 0 or stat.startswith("Z") else args.strip()


def is_alive(pid: int) -> bool:
    """Whether ``pid`` runs (reaping it first when it is a finished child of this process)."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return command_line(pid) is not None


def is_broker(pid: int, properties: Path) -> bool:
    """Whether ``pid`` is a live ``kafka.Kafka`` JVM started with ``properties``."""
    if not is_alive(pid):
        return False
    cmdline = command_line(pid) or ""
    return MAIN_CLASS in cmdline.split() and str(properties) in cmdline


def brokers_using(marker: str) -> list[int]:
    """Pids of live ``kafka.Kafka`` processes whose command line contains ``marker``."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [_ps(), "-ww", "-eo", "pid=,args="], capture_output=True, text=True, check=False
    )
    pids = []
    for line in result.stdout.splitlines():
        pid_text, _, args = line.strip().partition(" ")
        if pid_text.isdigit() and MAIN_CLASS in args.split() and marker in args and is_alive(int(pid_text)):
            pids.append(int(pid_text))
    return pids


def read_pid(pid_file: Path) -> int | None:
    """Return the pid recorded in ``pid_file``, or ``None`` when missing or unreadable."""
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to exit; whether it did."""
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def terminate(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM ``pid`` (its whole session), wait up to ``timeout`` s, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
        if wait_gone(pid, timeout if sig == signal.SIGTERM else 10.0):
            return
        log.warning("kafka.broker.kill", pid=pid, signal=sig.name)
    raise RuntimeError(f"Kafka broker pid {pid} did not exit after SIGKILL")
