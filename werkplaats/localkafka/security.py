"""SCRAM principals and ACLs on a SASL broker, set through Kafka's own ConfigCommand and AclCommand."""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog

from contracts.topics import ORGANISATIONS, all_service_topics, check_org_slug, partner_feedback
from werkplaats.errors import WerkplaatsError
from werkplaats.kafka_security import KafkaSecurity, java_client_properties
from werkplaats.localkafka.artifacts import default_cache_dir, resolve_jars
from werkplaats.localkafka.config import ADMIN_USER, SASL_MECHANISM, java_executable
from werkplaats.services import ServiceAccess, registered

CONFIG_COMMAND = "kafka.admin.ConfigCommand"
ACL_COMMAND = "org.apache.kafka.tools.AclCommand"
TOOL_TIMEOUT = 120.0
FAST_START_JVM = ("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
PARALLEL_TOOLS = 4

log = structlog.get_logger(__name__)


class SecurityToolError(WerkplaatsError, RuntimeError):
    """A Kafka command-line tool failed (its output is included, never a password)."""


class ReservedPrincipalError(WerkplaatsError, ValueError):
    """The name belongs to a service or an administrator; no partner may have it as its principal."""


def new_password() -> str:
    """A random password for a SCRAM principal (URL-safe, 32 characters)."""
    return secrets.token_urlsafe(24)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file only its owner may read (0600); fails if it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


@contextmanager
def private_file(text: str, suffix: str) -> Iterator[Path]:
    """A temporary 0600 file holding ``text``, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="werkplaats-kafka-") as directory:
        path = Path(directory) / f"secret{suffix}"
        write_private(path, text)
        yield path


def _argfile_quote(argument: str) -> str:
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _properties(values: dict[str, str]) -> str:
    return "".join(f"{key}={value.replace(chr(92), chr(92) * 2)}\n" for key, value in values.items())


def run_java_tool(libs: Path, main: str, arguments: Sequence[str], *, jvm: Sequence[str] = ()) -> str:
    """Run ``main`` from the Kafka jars with ``arguments`` read from a 0600 argument file.

    Arguments may hold secrets: the JVM reads them from the file (``java @file``), so they never
    appear on a command line that other users of the machine could list.
    """
    lines = "\n".join(_argfile_quote(argument) for argument in (main, *arguments)) + "\n"
    with private_file(lines, ".args") as argfile:
        command = [java_executable(), *FAST_START_JVM, *jvm, "-cp", f"{libs}/*", f"@{argfile}"]
        result = subprocess.run(  # noqa: S603 - own command line
            command, capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False
        )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise SecurityToolError(f"{main.rsplit('.', 1)[-1]} failed ({result.returncode}):\n{output}")
    return result.stdout


@dataclass(frozen=True)
class AclGrant:
    """Operations allowed on one resource pattern: a topic or group, literal or prefixed, or the cluster."""

    resource: str
    name: str
    operations: tuple[str, ...]
    prefixed: bool = False


def acl_arguments(grants: Sequence[AclGrant]) -> list[list[str]]:
    """AclCommand resource arguments covering ``grants`` in as few invocations as possible.

    Operations are merged per resource pattern; patterns of one type with the same operations share
    an invocation (AclCommand applies every ``--operation`` to every named resource).
    """
    operations: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
    for grant in grants:
        operations[(grant.resource, grant.name, grant.prefixed)].update(grant.operations)
    batches: dict[tuple[str, bool, tuple[str, ...]], list[str]] = defaultdict(list)
    for (resource, name, prefixed), allowed in operations.items():
        batches[(resource, prefixed, tuple(sorted(allowed)))].append(name)
    invocations = []
    for (resource, prefixed, ops), names in sorted(batches.items()):
        targets = [part for name in names for part in (f"--{resource}", name)]
        if resource == "cluster":
            targets = ["--cluster"]
        pattern = ["--resource-pattern-type", "prefixed" if prefixed else "literal"]
        invocations.append([*targets, *pattern, *(p for op in ops for p in ("--operation", op))])
    return invocations


def partner_grants(slug: str) -> tuple[AclGrant, ...]:
    """A partner writes (and describes) only ``partner.<slug>.*``, reads its feedback, in its own groups."""
    prefix = f"partner.{check_org_slug(slug)}."
    return (
        AclGrant("topic", prefix, ("Write", "Describe"), prefixed=True),
        AclGrant("topic", partner_feedback(slug), ("Read", "Describe")),
        AclGrant("group", prefix, ("Read",), prefixed=True),
    )


def service_access() -> dict[str, ServiceAccess]:
    """Every registered service with the access it declares; the deployment files give each a principal."""
    return {name: definition.access or default_access(name) for name, definition in registered().items()}


def reserved_principals() -> frozenset[str]:
    """Principals of services and administrators: never a partner's (``User:<slug>``)."""
    return frozenset({ADMIN_USER, "werkplaats", *registered()})


def default_access(name: str) -> ServiceAccess:
    """Access of a service that declares none: its own ``<name>.`` topics, and organisations to read."""
    return ServiceAccess.own(name, reads=(ORGANISATIONS,))


def _topic(name: str, operations: tuple[str, ...]) -> AclGrant:
    return AclGrant("topic", name, operations, prefixed=name.endswith("."))


def service_grants(name: str, *, group_prefix: str | None = None) -> tuple[AclGrant, ...]:
    """The ACLs of service ``name``: its topics, DESCRIBE on every declared topic, its consumer groups."""
    access = service_access().get(name) or default_access(name)
    grants = [_topic(topic, ("Read", "Describe")) for topic in access.reads]
    grants += [_topic(topic, ("Write", "Describe")) for topic in access.writes]
    grants += [_topic(topic, ("Create", "Describe")) for topic in access.creates]
    prefixes = tuple(topic for topic in (*access.reads, *access.writes) if topic.endswith("."))
    declared = [spec.name for spec in all_service_topics() if not spec.name.startswith(prefixes)]
    grants += [AclGrant("topic", topic, ("Describe",)) for topic in declared]
    grants.append(AclGrant("group", group_prefix or name, ("Read",), prefixed=True))
    return tuple(grants)


def provisioning_script(services: Sequence[str] | None = None) -> str:
    """A shell script for a broker container: the SCRAM credentials of the admin and ``services``, and ACLs.

    Passwords come from ``KAFKA_ADMIN_PASSWORD`` and ``<SERVICE>_KAFKA_PASSWORD`` (required); the
    tools connect to ``KAFKA_ADMIN_BOOTSTRAP`` (default: the broker's own loopback listener).
    """
    lines = [
        "#!/bin/sh",
        "# Generated by `werkplaats kafka principals script`; do not edit (tests compare it).",
        "# SCRAM credentials of the admin and every service, and each service's ACLs.",
        "set -eu",
        'B="${KAFKA_ADMIN_BOOTSTRAP:-127.0.0.1:9091}"',
        'K="${KAFKA_BIN:-/opt/kafka/bin}"',
        "scram() {",
        '  "$K/kafka-configs.sh" --bootstrap-server "$B" --alter --entity-type users --entity-name "$1" \\',
        f'    --add-config "{SASL_MECHANISM}=[password=$2]"',
        "}",
        "acl() {",
        "  user=$1; shift",
        '  "$K/kafka-acls.sh" --bootstrap-server "$B" --add --allow-principal "User:$user" "$@"',
        "}",
        'scram admin "${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}"',
    ]
    for name in service_access() if services is None else services:
        variable = f"{name.upper().replace('-', '_')}_KAFKA_PASSWORD"
        lines.append(f'scram {name} "${{{variable}:?set {variable}}}"')
        lines += [f"acl {name} {' '.join(arguments)}" for arguments in acl_arguments(service_grants(name))]
    return "\n".join(lines) + "\n"


def client_properties_hint(bootstrap: str, user: str) -> str:
    """The Java client properties a principal needs (password left as a placeholder)."""
    return (
        f"bootstrap.servers={bootstrap}\n"
        "security.protocol=SASL_PLAINTEXT   # SASL_SSL when the listener has TLS\n"
        f"sasl.mechanism={SASL_MECHANISM}\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{user}" password="<the password above>";'
    )


class KafkaSecurityAdmin:
    """Creates SCRAM principals and ACLs on a SASL broker, authenticated as its super user."""

    def __init__(self, bootstrap: str, admin: KafkaSecurity, *, cache_dir: Path | None = None) -> None:
        if not admin.sasl:
            raise ValueError("principals and ACLs need SASL admin credentials")
        self.bootstrap = bootstrap
        self.admin = admin
        self.cache_dir = cache_dir or default_cache_dir()

    def _run(self, main: str, *arguments: str) -> str:
        libs = resolve_jars(self.cache_dir)
        with private_file(_properties(java_client_properties(self.admin)), ".properties") as config:
            common = ["--bootstrap-server", self.bootstrap, "--command-config", str(config)]
            return run_java_tool(libs, main, [*common, *arguments])

    def set_password(self, user: str, password: str) -> None:
        """Create or replace the SCRAM-SHA-512 credential of ``user``."""
        self._run(
            CONFIG_COMMAND,
            "--alter",
            "--entity-type",
            "users",
            "--entity-name",
            user,
            "--add-config",
            f"{SASL_MECHANISM}=[password={password}]",
        )
        log.info("kafka.principal.credential_set", user=user, mechanism=SASL_MECHANISM)

    def grant(self, user: str, grants: Sequence[AclGrant]) -> None:
        """Allow ``User:<user>`` the operations of each grant, from any host."""
        _in_parallel([self._grant_call(user, arguments) for arguments in acl_arguments(grants)])
        log.info("kafka.principal.acls_added", user=user, acls=len(grants))

    def _grant_call(self, user: str, arguments: list[str]) -> Callable[[], str]:
        return lambda: self._run(ACL_COMMAND, "--add", "--allow-principal", f"User:{user}", *arguments)

    def list_acls(self, user: str | None = None) -> str:
        """AclCommand's listing of every ACL (or those of ``User:<user>``)."""
        principal = ["--principal", f"User:{user}"] if user else []
        return self._run(ACL_COMMAND, "--list", *principal)

    def add_principal(self, user: str, grants: Sequence[AclGrant], password: str | None = None) -> str:
        """Create ``User:<user>`` with a (new) password and ``grants``; return the password."""
        password = password or new_password()
        calls = [self._grant_call(user, arguments) for arguments in acl_arguments(grants)]
        _in_parallel([lambda: self.set_password(user, password), *calls])
        log.info("kafka.principal.added", user=user, acls=len(grants))
        return password

    def check_partner_name(self, slug: str) -> str:
        """``slug`` when it may be a partner's principal; ``ReservedPrincipalError`` when reserved."""
        if slug in reserved_principals() or slug == self.admin.username:
            raise ReservedPrincipalError(f"User:{slug} is reserved for a service or an administrator")
        return check_org_slug(slug)

    def add_partner(self, slug: str) -> str:
        """Create the partner principal ``User:<slug>`` with its prefixed ACLs; return its password."""
        return self.add_principal(self.check_partner_name(slug), partner_grants(slug))

    def remove_principal(self, user: str, grants: Sequence[AclGrant]) -> None:
        """Remove ``User:<user>``'s SCRAM credential and its ``grants``: it can no longer log in or act."""
        removals = [
            lambda arguments=arguments: self._run(
                ACL_COMMAND, "--remove", "--force", "--allow-principal", f"User:{user}", *arguments
            )
            for arguments in acl_arguments(grants)
        ]
        _in_parallel(removals)
        self._run(
            CONFIG_COMMAND,
            "--alter",
            "--entity-type",
            "users",
            "--entity-name",
            user,
            "--delete-config",
            SASL_MECHANISM,
        )
        log.info("kafka.principal.removed", user=user, acls=len(grants))

    def remove_partner(self, slug: str) -> None:
        """Remove a partner's principal and its ACLs (its topics and their history stay)."""
        self.remove_principal(self.check_partner_name(slug), partner_grants(slug))

    def add_service(self, name: str, *, group_prefix: str | None = None) -> str:
        """Create the service principal ``User:<name>`` with the ACLs it needs; return its password."""
        return self.add_principal(name, service_grants(name, group_prefix=group_prefix))


def _in_parallel(calls: Sequence[Callable[[], object]]) -> None:
    """Run the tool invocations side by side (each is a JVM start); raise the first failure."""
    with ThreadPoolExecutor(max_workers=PARALLEL_TOOLS) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()
