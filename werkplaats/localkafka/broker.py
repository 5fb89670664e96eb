"""Start, wait for, inspect and stop the local single-node Kafka broker (KRaft, no Docker)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from werkplaats.errors import WerkplaatsError
from werkplaats.kafka_security import KafkaSecurity, client_options
from werkplaats.localkafka import process
from werkplaats.localkafka.artifacts import default_cache_dir, file_lock, resolve_jars
from werkplaats.localkafka.config import (
    ADMIN_USER,
    DEFAULT_CONTROLLER_PORT,
    DEFAULT_PORT,
    SASL_MECHANISM,
    BrokerConfig,
    choose_port,
    java_command,
    port_is_free,
    render_log4j2,
    render_server_properties,
)
from werkplaats.localkafka.reachability import broker_answers
from werkplaats.localkafka.security import new_password, run_java_tool, write_private

DATA_DIR_ENV = "WERKPLAATS_KAFKA_DIR"
BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

log = structlog.get_logger(__name__)


class BrokerError(WerkplaatsError, RuntimeError):
    """The local broker could not be started, or an external one does not answer."""


def default_data_dir() -> Path:
    """Return the state directory: ``$WERKPLAATS_KAFKA_DIR`` or ``~/.local/share/werkplaats/kafka``."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".local/share/werkplaats/kafka"


@dataclass(frozen=True)
class BrokerStatus:
    """Whether a broker runs, at which address, as which process, and whether it is external."""

    running: bool
    bootstrap: str | None = None
    pid: int | None = None
    external: bool = False
    sasl: bool = False

    def describe(self) -> str:
        """One line for humans: ``running 127.0.0.1:9092 (pid 42, SASL/SCRAM-SHA-512)`` or ``stopped``."""
        if self.external:
            state = "running" if self.running else "unreachable"
            return f"{state} {self.bootstrap} (external, from ${BOOTSTRAP_ENV})"
        if not self.running:
            return "stopped"
        security = f", SASL/{SASL_MECHANISM} with ACLs" if self.sasl else ""
        return f"running {self.bootstrap} (pid {self.pid}{security})"


class LocalKafka:
    """A single-node Kafka 4.1.1 broker+controller on 127.0.0.1, run from jars on Maven Central."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        data_dir: Path | None = None,
        external_bootstrap: str | None = None,
        sasl: bool | None = None,
    ) -> None:
        self.cache_dir = (cache_dir or default_cache_dir()).expanduser().resolve()
        self.data_dir = (data_dir or default_data_dir()).expanduser().resolve()
        self.external_bootstrap = external_bootstrap or None
        self.requested_sasl = sasl

    @classmethod
    def from_env(cls, *, sasl: bool | None = None) -> LocalKafka:
        """Configure from the environment; ``$KAFKA_BOOTSTRAP_SERVERS`` means: use that broker."""
        return cls(external_bootstrap=os.environ.get(BOOTSTRAP_ENV), sasl=sasl)

    @property
    def admin_password_file(self) -> Path:
        """The super user's password (0600), generated when SASL storage is formatted."""
        return self.data_dir / "admin.password"

    @property
    def sasl(self) -> bool:
        """Whether the broker runs (or will start) with SASL/SCRAM and ACLs: as asked, else as last time."""
        if self.requested_sasl is not None:
            return self.requested_sasl
        return bool(self._state().get("sasl", False))

    def admin_security(self) -> KafkaSecurity | None:
        """The super user's credentials when the broker uses SASL, else ``None``."""
        if not self.sasl or not self.admin_password_file.exists():
            return None
        return KafkaSecurity.scram(ADMIN_USER, self.admin_password_file.read_text(encoding="utf-8").strip())

    @property
    def properties_file(self) -> Path:
        """The generated server.properties."""
        return self.data_dir / "server.properties"

    @property
    def pid_file(self) -> Path:
        """The file holding the broker's pid while it runs."""
        return self.data_dir / "kafka.pid"

    @property
    def state_file(self) -> Path:
        """JSON with the bootstrap address, ports and pid of the last start."""
        return self.data_dir / "state.json"

    @property
    def log_files(self) -> tuple[Path, Path]:
        """The Log4j2 broker log and the JVM's captured stdout/stderr."""
        return self.data_dir / "logs" / "server.log", self.data_dir / "logs" / "kafka.out"

    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def _write_state(self, **state: Any) -> None:
        self.state_file.write_text(json.dumps(state, indent=2) + "\n")

    def _running_pid(self) -> int | None:
        """Return the pid of this data dir's live broker; clear a stale pid file, adopt a lost process."""
        pid = process.read_pid(self.pid_file)
        if pid is not None and process.is_broker(pid, self.properties_file):
            return pid
        if pid is not None:
            log.info("kafka.pidfile.stale", pid=pid, pid_file=str(self.pid_file))
            self.pid_file.unlink(missing_ok=True)
        found = process.brokers_using(str(self.properties_file))
        if found:
            self.pid_file.write_text(f"{found[0]}\n")
            return found[0]
        return None

    def status(self) -> BrokerStatus:
        """Whether the broker runs (an external one: whether it answers)."""
        if self.external_bootstrap:
            return BrokerStatus(
                broker_answers(self.external_bootstrap, options=client_options()),
                self.external_bootstrap,
                external=True,
            )
        pid = self._running_pid()
        if pid is None:
            return BrokerStatus(False)
        state = self._state()
        return BrokerStatus(True, state.get("bootstrap"), pid, sasl=bool(state.get("sasl", False)))

    def recorded_bootstrap(self) -> str | None:
        """The address of the last start, which a restart keeps while its port is free."""
        bootstrap = self._state().get("bootstrap")
        return str(bootstrap) if bootstrap else None

    def ensure_started(self, timeout: float = START_TIMEOUT) -> str:
        """Start the broker unless it runs, wait until it answers, and return its bootstrap address."""
        if self.external_bootstrap:
            if not broker_answers(self.external_bootstrap, timeout=10.0, options=client_options()):
                raise BrokerError(
                    f"${BOOTSTRAP_ENV}={self.external_bootstrap} does not answer metadata requests"
                )
            return self.external_bootstrap
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.data_dir / ".start.lock"):
            pid = self._running_pid()
            if pid is not None:
                state = self._state()
                if self.requested_sasl is not None and self.requested_sasl != bool(state.get("sasl")):
                    mode = "with" if state.get("sasl") else "without"
                    raise BrokerError(f"the broker in {self.data_dir} runs {mode} SASL; stop it first")
                bootstrap = str(state.get("bootstrap") or f"127.0.0.1:{DEFAULT_PORT}")
                self._wait_ready(pid, bootstrap, timeout)
                return bootstrap
            return self._start(timeout)

    def _choose_config(self) -> BrokerConfig:
        """Keep the ports of the last start when free, else the defaults, else free ones (all recorded)."""
        state = self._state()
        port = choose_port(int(state.get("port") or DEFAULT_PORT))
        if port != state.get("port") and port_is_free(DEFAULT_PORT):
            port = DEFAULT_PORT
        previous_controller = int(state.get("controller_port") or DEFAULT_CONTROLLER_PORT)
        controller_port = choose_port(previous_controller, frozenset({port}))
        if not self.sasl:
            return BrokerConfig(self.data_dir, port, controller_port)
        return BrokerConfig(
            self.data_dir, port, controller_port, sasl=True, admin_password=self._admin_password()
        )

    def _admin_password(self) -> str:
        """The stored admin password; generated once, before the storage is formatted with it."""
        if not self.admin_password_file.exists():
            if (self.data_dir / "kraft-logs" / "meta.properties").exists():
                raise BrokerError(
                    f"{self.data_dir} was formatted without SASL; use a fresh data dir for --sasl"
                )
            write_private(self.admin_password_file, new_password() + "\n")
            log.info("kafka.admin_password.created", path=str(self.admin_password_file))
        return self.admin_password_file.read_text(encoding="utf-8").strip()

    def _start(self, timeout: float) -> str:
        started = time.monotonic()
        libs = resolve_jars(self.cache_dir)
        config = self._choose_config()
        config.logs_dir.mkdir(parents=True, exist_ok=True)
        self.properties_file.unlink(missing_ok=True)
        write_private(self.properties_file, render_server_properties(config))
        (self.data_dir / "log4j2.xml").write_text(render_log4j2(config.logs_dir))
        self._format(libs, config)
        command = java_command(libs, config, "kafka.Kafka", str(self.properties_file))
        pid = process.launch(command, self.log_files[1], self.data_dir)
        self.pid_file.write_text(f"{pid}\n")
        self._write_state(
            bootstrap=config.bootstrap,
            port=config.port,
            controller_port=config.controller_port,
            pid=pid,
            sasl=config.sasl,
        )
        log.info(
            "kafka.broker.launched",
            pid=pid,
            bootstrap=config.bootstrap,
            data_dir=str(self.data_dir),
            sasl=config.sasl,
        )
        try:
            self._wait_ready(pid, config.bootstrap, timeout)
        except BrokerError:
            process.terminate(pid, timeout=10.0)
            self.pid_file.unlink(missing_ok=True)
            raise
        log.info(
            "kafka.broker.ready", bootstrap=config.bootstrap, seconds=round(time.monotonic() - started, 1)
        )
        return config.bootstrap

    def _format(self, libs: Path, config: BrokerConfig) -> None:
        """Format the KRaft storage once: skipped when ``meta.properties`` exists."""
        if (config.log_dirs / "meta.properties").exists():
            return
        tool = "kafka.tools.StorageTool"
        cluster_id = self._java(java_command(libs, config, tool, "random-uuid")).strip().splitlines()[-1]
        arguments = ["format", "-t", cluster_id, "-c", str(self.properties_file), "--standalone"]
        if config.sasl:
            self._format_with_admin(libs, config, arguments)
        else:
            self._java(java_command(libs, config, tool, *arguments))
        log.info(
            "kafka.storage.formatted", cluster_id=cluster_id, log_dirs=str(config.log_dirs), sasl=config.sasl
        )

    def _format_with_admin(self, libs: Path, config: BrokerConfig, arguments: list[str]) -> None:
        """Format with the admin's SCRAM credential; the password goes through a 0600 argument file."""
        scram = f"{SASL_MECHANISM}=[name={ADMIN_USER},password={config.admin_password}]"
        logging = [f"-Dlog4j2.configurationFile={config.data_dir / 'log4j2.xml'}"]
        try:
            run_java_tool(libs, "kafka.tools.StorageTool", [*arguments, "--add-scram", scram], jvm=logging)
        except RuntimeError as error:
            raise BrokerError(f"formatting the SASL storage failed: {error}") from error

    def _java(self, command: list[str]) -> str:
        result = subprocess.run(  # noqa: S603 - own command line
            command, capture_output=True, text=True, cwd=self.data_dir, check=False
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()[-4000:]
            raise BrokerError(f"{command[-1]!r} step of StorageTool failed ({result.returncode}):\n{output}")
        return result.stdout

    def _wait_ready(self, pid: int, bootstrap: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not process.is_alive(pid):
                raise BrokerError(f"Kafka broker (pid {pid}) exited during start-up\n{self.log_tail()}")
            if broker_answers(bootstrap, timeout=3.0, options=self._probe_options()):
                return
            if time.monotonic() >= deadline:
                raise BrokerError(
                    f"Kafka broker at {bootstrap} not ready after {timeout:.0f}s\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def _probe_options(self) -> dict[str, Any]:
        admin = self.admin_security()
        return client_options(admin) if admin is not None else {}

    def log_tail(self, lines: int = 30) -> str:
        """Return the last ``lines`` lines of the broker log and of the JVM output."""
        parts = []
        for path in self.log_files:
            try:
                tail = path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            parts.append(f"--- {path} (last {len(tail)} lines) ---\n" + "\n".join(tail))
        return "\n".join(parts) or "(no broker log yet)"

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """SIGTERM the broker, SIGKILL it after ``timeout`` s; whether a broker was running."""
        if self.external_bootstrap:
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.data_dir / ".start.lock"):
            pids = set(process.brokers_using(str(self.properties_file)))
            pid = self._running_pid()
            pids |= {pid} if pid is not None else set()
            for running in sorted(pids):
                log.info("kafka.broker.stopping", pid=running)
                process.terminate(running, timeout)
                process.forget(running)
            self.pid_file.unlink(missing_ok=True)
            return bool(pids)
