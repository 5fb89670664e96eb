"""Keyset paging: opaque cursors that hold the sort key of the last item shown, and query values."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query

from contracts.activities import NEIGHBOURHOOD_PATTERN
from contracts.envelope import SLUG_PATTERN
from scheduling.api.errors import invalid

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SortKey = tuple[datetime, str, str]

Cursor = Annotated[
    str | None,
    Query(max_length=500, description="`next_cursor` of the previous page; leave out for the first page."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most items on one page.")]
Neighbourhoods = Annotated[
    list[Annotated[str, Query(pattern=NEIGHBOURHOOD_PATTERN)]] | None,
    Query(
        description="CBS codes (repeatable); a wijk `WK0518dd` matches its buurten `BU0518dddd`.",
        examples=[["WK051836"]],
    ),
]
Organisations = Annotated[
    list[Annotated[str, Query(pattern=SLUG_PATTERN)]] | None,
    Query(description="Organisation slugs (repeatable).", examples=[["staedion"]]),
]


def encode_cursor(key: SortKey) -> str:
    """The cursor after the item with sort key ``key``."""
    moment, first, second = key
    text = json.dumps([moment.astimezone(UTC).isoformat(), first, second], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> SortKey | None:
    """The sort key a cursor holds; a 422 naming ``cursor`` when it is not one of ours."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, first, second = json.loads(raw)
        if not (isinstance(moment, str) and isinstance(first, str) and isinstance(second, str)):
            raise ValueError("wrong shape")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("no offset")
        return (parsed.astimezone(UTC), first, second)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise invalid(("query", "cursor"), "is not a cursor this API gave out; start without one") from None


def instant(value: datetime | None, name: str) -> datetime | None:
    """A query moment in UTC; one without an offset is Europe/Amsterdam wall-clock time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=AMSTERDAM)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise invalid(("query", name), "is out of range") from None
