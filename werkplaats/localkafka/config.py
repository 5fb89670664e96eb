"""Pure configuration of the local single-node KRaft broker: ports, server.properties, Log4j2, JVM."""

from __future__ import annotations

import html
import os
import shlex
import socket
from dataclasses import dataclass, field
from pathlib import Path

from werkplaats.kafka_security import jaas_config

DEFAULT_PORT = 9092
DEFAULT_CONTROLLER_PORT = 9093
DEFAULT_HEAP_OPTS = "-Xmx512m -Xms256m"
HEAP_ENV = "WERKPLAATS_KAFKA_HEAP_OPTS"
HOST = "127.0.0.1"
ADMIN_USER = "admin"
SASL_MECHANISM = "SCRAM-SHA-512"
SASL_LISTENER = "SASL_PLAINTEXT"
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"


@dataclass(frozen=True)
class BrokerConfig:
    """Where the broker keeps its data and which ports it listens on."""

    data_dir: Path
    port: int = DEFAULT_PORT
    controller_port: int = DEFAULT_CONTROLLER_PORT
    sasl: bool = False
    admin_password: str | None = field(default=None, repr=False)

    @property
    def bootstrap(self) -> str:
        """The client bootstrap address, e.g. ``127.0.0.1:9092``."""
        return f"{HOST}:{self.port}"

    @property
    def log_dirs(self) -> Path:
        """The KRaft metadata and partition log directory."""
        return self.data_dir / "kraft-logs"

    @property
    def logs_dir(self) -> Path:
        """The directory of the broker's own log files."""
        return self.data_dir / "logs"


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a TCP listener could bind ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """Return a port the operating system reports free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


def choose_port(preferred: int, avoid: frozenset[int] = frozenset()) -> int:
    """Return ``preferred`` when free, else another free port not in ``avoid``."""
    if preferred not in avoid and port_is_free(preferred):
        return preferred
    while True:
        port = free_port()
        if port not in avoid:
            return port


def _escape(value: str) -> str:
    """Escape a value for a Java properties file."""
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def server_properties(config: BrokerConfig) -> dict[str, str]:
    """Return the broker+controller settings of a single-node development cluster."""
    listener = SASL_LISTENER if config.sasl else "PLAINTEXT"
    client = f"{listener}://{HOST}:{config.port}"
    controller = f"CONTROLLER://{HOST}:{config.controller_port}"
    properties = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{HOST}:{config.controller_port}",
        "listeners": f"{client},{controller}",
        "advertised.listeners": f"{client},{controller}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": listener,
        "listener.security.protocol.map": f"CONTROLLER:PLAINTEXT,{listener}:{listener}",
    }
    if config.sasl:
        properties |= sasl_properties(config)
    return properties | {
        "log.dirs": str(config.log_dirs),
        "num.partitions": "3",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "10",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "log.retention.hours": "168",
        "log.retention.check.interval.ms": "60000",
    }


def sasl_properties(config: BrokerConfig) -> dict[str, str]:
    """SCRAM-SHA-512 on the client listener, the standard authorizer, and ``User:admin`` as super user.

    The controller listener stays PLAINTEXT on 127.0.0.1, so the broker reaches its own controller
    as ``User:ANONYMOUS``, which must therefore be a super user too; clients never get that
    principal because the client listener requires SASL.
    """
    if not config.admin_password:
        raise ValueError("a SASL broker needs the admin password")
    listener = SASL_LISTENER.lower()
    login = jaas_config(SCRAM_LOGIN_MODULE, ADMIN_USER, config.admin_password)
    return {
        "sasl.enabled.mechanisms": SASL_MECHANISM,
        "sasl.mechanism.inter.broker.protocol": SASL_MECHANISM,
        f"listener.name.{listener}.{SASL_MECHANISM.lower()}.sasl.jaas.config": login,
        "authorizer.class.name": STANDARD_AUTHORIZER,
        "allow.everyone.if.no.acl.found": "false",
        "super.users": f"User:{ADMIN_USER};User:ANONYMOUS",
    }


def render_server_properties(config: BrokerConfig) -> str:
    """Render the server.properties text for ``config``."""
    lines = ["# Written by `werkplaats kafka start`; regenerated on every start."]
    lines += [f"{key}={_escape(value)}" for key, value in server_properties(config).items()]
    return "\n".join(lines) + "\n"


def render_log4j2(logs_dir: Path) -> str:
    """Render a Log4j2 XML configuration that writes the broker log to ``logs_dir/server.log``."""
    log_file = html.escape(str(logs_dir / "server.log"))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <RollingFile name="server" fileName="{log_file}" filePattern="{log_file}.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="20 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
  </Loggers>
</Configuration>
"""


def heap_opts() -> list[str]:
    """Return the JVM heap flags: ``$WERKPLAATS_KAFKA_HEAP_OPTS`` or ``-Xmx512m -Xms256m``."""
    return shlex.split(os.environ.get(HEAP_ENV) or DEFAULT_HEAP_OPTS)


def java_executable() -> str:
    """Return ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else ``java`` from PATH."""
    java_home = os.environ.get("JAVA_HOME")
    return str(Path(java_home) / "bin" / "java") if java_home else "java"


def java_command(libs: Path, config: BrokerConfig, main: str, *args: str) -> list[str]:
    """Build the command line running ``main`` on the Kafka class path with the broker's logging."""
    return [
        java_executable(),
        *heap_opts(),
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={config.data_dir / 'log4j2.xml'}",
        f"-Dkafka.logs.dir={config.logs_dir}",
        "-cp",
        f"{libs}/*",
        main,
        *args,
    ]
