"""What a partner's calendar lacks and Werkplaats needs: the per-feed mapping, and UID → activity id."""

from __future__ import annotations

import hashlib
import re
from datetime import time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts import ActivityKind, AddressVenue, CentreVenue, TargetGroup, Theme
from contracts.activities import NEIGHBOURHOOD_PATTERN

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_INVALID_RUN = re.compile(r"[^A-Za-z0-9._:-]+")


class FeedMapping(BaseModel):
    """Defaults for what a calendar does not say; ``X-WERKPLAATS-*`` properties in an event win."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ActivityKind | None = Field(
        default=None, description="Kind of events whose CATEGORIES name no kind; none: such events fail."
    )
    categories: dict[str, ActivityKind] = Field(
        default_factory=dict,
        description="CATEGORIES value (any case) → kind, e.g. {'Inspraak': 'consultation'}.",
    )
    neighbourhoods: list[str] = Field(default_factory=list, description="CBS codes of every event.")
    venue: CentreVenue | AddressVenue | None = Field(
        default=None, description="A centre (wins over LOCATION) or an address (used without LOCATION)."
    )
    target_groups: list[TargetGroup] = Field(default_factory=list, description="Who the events are for.")
    themes: list[Theme] = Field(default_factory=list, description="Programme themes of the events.")
    languages: list[str] = Field(default_factory=lambda: ["nl"], description="ISO 639-1 codes.")
    day_starts: time = Field(
        default=time(9, 0), description="Where an all-day event starts each day (a daytime activity)."
    )
    day_ends: time = Field(default=time(17, 0), description="Where an all-day event ends each day.")

    @field_validator("neighbourhoods")
    @classmethod
    def _check_neighbourhoods(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not re.match(NEIGHBOURHOOD_PATTERN, code):
                raise ValueError(f"{code!r} is not a CBS wijk (WK + 6 digits) or buurt (BU + 8 digits) code")
        return codes

    @field_validator("categories")
    @classmethod
    def _fold_categories(cls, categories: dict[str, ActivityKind]) -> dict[str, ActivityKind]:
        return {name.strip().casefold(): kind for name, kind in categories.items()}

    def kind_of(self, categories: list[str]) -> ActivityKind | None:
        """The kind named by the first category that is a kind or is mapped, else the default kind."""
        for category in categories:
            folded = category.strip().casefold()
            if folded in self.categories:
                return self.categories[folded]
            if folded in ActivityKind._value2member_map_:
                return ActivityKind(folded)
        return self.kind


def activity_id_of(uid: str) -> str:
    """``uid`` when it is a valid activity id, else a deterministic readable id with a hash of ``uid``."""
    if _VALID_ID.match(uid):
        return uid
    digest = hashlib.sha256(uid.encode()).hexdigest()[:16]
    readable = _INVALID_RUN.sub("_", uid).strip("_")[:60]
    return f"{readable}.{digest}" if readable else f"ics.{digest}"
