"""Who picks up an initiative: a builder covering its wijk, the one with the fewest open initiatives."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contracts.initiatives import BUILDER_ID_PATTERN, WIJK_PATTERN


@dataclass(frozen=True)
class Builder:
    """A community builder as configured: a pseudonymous id, a display pseudonym and the wijken covered."""

    id: str
    pseudonym: str
    wijken: tuple[str, ...]

    def __post_init__(self) -> None:
        if not re.match(BUILDER_ID_PATTERN, self.id):
            raise ValueError(f"builder id {self.id!r} must match {BUILDER_ID_PATTERN}")
        for wijk in self.wijken:
            if not re.match(WIJK_PATTERN, wijk):
                raise ValueError(f"builder {self.id}: {wijk!r} is not a wijk code (WK + 6 digits)")


class NoBuilderError(LookupError):
    """No community builder is configured."""


def candidates(builders: Sequence[Builder], wijk: str) -> list[Builder]:
    """The builders covering ``wijk``; every builder when none does (nobody waits unseen)."""
    covering = [builder for builder in builders if wijk in builder.wijken]
    return covering or list(builders)


def choose_builder(builders: Sequence[Builder], wijk: str, open_load: Mapping[str, int]) -> Builder:
    """The covering builder with the fewest open initiatives; ties go to the first configured."""
    pool = candidates(builders, wijk)
    if not pool:
        raise NoBuilderError("no community builders are configured")
    return min(pool, key=lambda builder: open_load.get(builder.id, 0))
