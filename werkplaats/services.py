"""The services Werkplaats runs, and how to create each one's app."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServiceEntry:
    """A service: its app factory and demo loader (``module:function``) and its default HTTP port."""

    name: str
    factory: str
    port: int
    demo: str | None = None

    def create_app(self, **kwargs: Any) -> Any:
        """Import the factory and call it."""
        return _load(self.factory)(**kwargs)

    def demo_loader(self) -> Any | None:
        """The coroutine function that publishes this service's demo data, if it has any."""
        return _load(self.demo) if self.demo else None


def _load(reference: str) -> Any:
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


SERVICES: dict[str, ServiceEntry] = {
    entry.name: entry
    for entry in (
        ServiceEntry("scheduling", "scheduling.main:create_app", 8010, demo="scheduling.demo:publish_demo"),
        ServiceEntry("notifications", "notifications.main:create_app", 8020),
        ServiceEntry("reach", "reach.main:create_app", 8030, demo="reach.demo:publish_demo"),
    )
}
