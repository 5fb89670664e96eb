"""The services Werkplaats runs: each declares itself once, as a ``werkplaats.services`` entry point.

A service's ``main`` module holds its ``SERVICE = ServiceDefinition(...)``; ``pyproject.toml`` names it
under ``[project.entry-points."werkplaats.services"]``. ``werkplaats up``/``run``, the CLI and the
checks of the deployment files find every service from there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from werkplaats.errors import WerkplaatsError

if TYPE_CHECKING:
    import typer
    from fastapi import FastAPI

    from werkplaats.runtime import ServiceRuntime
    from werkplaats.settings import ServiceSettings

ENTRY_POINT_GROUP = "werkplaats.services"


class UnknownServiceError(WerkplaatsError, LookupError):
    """No service of that name is registered."""


@dataclass(frozen=True)
class ServiceAccess:
    """Which Kafka topics a service reads, writes and may create; names ending in ``.`` are prefixes.

    Under SASL the service's principal ``User:<name>`` gets exactly these ACLs (see
    ``werkplaats.localkafka.security.service_grants``), plus DESCRIBE on every declared topic and its
    own consumer groups.
    """

    reads: tuple[str, ...]
    writes: tuple[str, ...]
    creates: tuple[str, ...] = ()

    @classmethod
    def own(cls, name: str, *, reads: tuple[str, ...] = ()) -> ServiceAccess:
        """Its own ``<name>.`` topics, and ``reads``."""
        return cls(reads=(f"{name}.", *reads), writes=(f"{name}.",), creates=(f"{name}.",))


@dataclass(frozen=True)
class ServiceDefinition:
    """One service as the runtime sees it: how to build it, configure it, and what it adds to the CLI."""

    name: str
    """The service's name: its consumer group, settings prefix, database and ``werkplaats run`` name."""
    settings: type[ServiceSettings]
    """Its settings class (prefix ``<NAME>_``); ``http_port``'s default is its port in ``werkplaats up``."""
    create_app: Callable[..., FastAPI]
    """``create_app(settings=None, *, bootstrap_servers=None)``: the ASGI app whose lifespan runs it."""
    create_runtime: Callable[..., ServiceRuntime]
    """``create_runtime(settings=None, *, bootstrap_servers=None)``: the service without HTTP."""
    cli: Callable[[typer.Typer], None] | None = None
    """Adds the service's commands to ``werkplaats``."""
    demo: Callable[[str], Coroutine[Any, Any, int]] | None = None
    """Publishes the service's demo data to a broker (``werkplaats up`` runs it once)."""
    notes: Callable[[bool], list[str]] | None = None
    """Lines ``werkplaats up`` prints under the service's address (argument: whether demo mode is on)."""
    reconcile: Callable[[ServiceSettings, str, datetime], Coroutine[Any, Any, int]] | None = None
    """``reconcile(settings, bootstrap, since)``: after a restore, take in the effects the service's own
    topics show since ``since`` (so replayed events do not repeat them); returns how many."""
    access: ServiceAccess | None = None
    """The Kafka topics it reads, writes and creates (its ACLs under SASL); None: only its own."""

    @property
    def port(self) -> int:
        """The default HTTP port."""
        return int(self.settings.model_fields["http_port"].default)


@functools.cache
def registered() -> dict[str, ServiceDefinition]:
    """Every installed service by name, in the order of their ports."""
    found = [_load(entry_point) for entry_point in entry_points(group=ENTRY_POINT_GROUP)]
    return {definition.name: definition for definition in sorted(found, key=lambda d: (d.port, d.name))}


def service(name: str) -> ServiceDefinition:
    """The registered service ``name``, importing no other service when its entry point bears its name."""
    for entry_point in entry_points(group=ENTRY_POINT_GROUP, name=name):
        definition = _load(entry_point)
        if definition.name == name:
            return definition
    services = registered()
    if name not in services:
        raise UnknownServiceError(f"unknown service {name!r}; known: {', '.join(services)}")
    return services[name]


def _load(entry_point: EntryPoint) -> ServiceDefinition:
    """The service an entry point names (its module imported)."""
    definition = entry_point.load()
    if not isinstance(definition, ServiceDefinition):
        raise TypeError(f"{entry_point.value} is not a ServiceDefinition")
    return definition


def create_app(name: str, **kwargs: Any) -> FastAPI:
    """The ASGI app of the registered service ``name``."""
    return service(name).create_app(**kwargs)
