"""``/v1/agenda`` and ``/v1/agenda.ics``: the shared agenda from the agenda view, filtered and paged."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from contracts import ActivityKind, ActivityPublished, OrganisationRole, OrganisationUpdated
from scheduling.api.context import ApiContext
from scheduling.api.errors import responses
from scheduling.api.paging import (
    Cursor,
    Limit,
    Neighbourhoods,
    Organisations,
    SortKey,
    decode_cursor,
    encode_cursor,
    instant,
)
from scheduling.api.schemas import AgendaItem, AgendaPage
from scheduling.domain import ActivityKey, meets
from scheduling.service.agenda_view import AgendaEntry

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class AgendaQuery:
    """Which activities to show: a period, places, organisers, kinds, and a page."""

    start: datetime | None
    end: datetime | None
    neighbourhoods: tuple[str, ...]
    organisations: frozenset[str]
    kinds: frozenset[ActivityKind]
    limit: int
    after: SortKey | None

    def first_match(self, entry: AgendaEntry) -> datetime | None:
        """Start of the entry's first occurrence in the period, if it passes every filter."""
        if self.organisations and entry.organisation not in self.organisations:
            return None
        if self.kinds and entry.activity.kind not in self.kinds:
            return None
        codes = entry.activity.neighbourhoods
        if self.neighbourhoods and not any(meets(f, code) for f in self.neighbourhoods for code in codes):
            return None
        for occurrence in entry.spans:
            if (self.end is None or occurrence.starts_at < self.end) and (
                self.start is None or occurrence.ends_at > self.start
            ):
                return occurrence.starts_at
        return None


def agenda_query(
    start: Annotated[
        datetime | None,
        Query(alias="from", description="Only occurrences ending after this (no offset: Amsterdam time)."),
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="Only occurrences starting before this.")
    ] = None,
    neighbourhood: Neighbourhoods = None,
    organisation: Organisations = None,
    kind: Annotated[list[ActivityKind] | None, Query(description="Activity kinds (repeatable).")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> AgendaQuery:
    """The agenda filters of a request."""
    return AgendaQuery(
        start=instant(start, "from"),
        end=instant(end, "to"),
        neighbourhoods=tuple(neighbourhood or ()),
        organisations=frozenset(organisation or ()),
        kinds=frozenset(kind or ()),
        limit=limit,
        after=decode_cursor(cursor),
    )


async def select(context: ApiContext, query: AgendaQuery) -> tuple[list[AgendaEntry], str | None]:
    """One page of matching entries and the cursor of the next page."""
    view = await context.need_view()
    matches = sorted(_matches(view.entries, query))
    page = matches[: query.limit]
    more = len(matches) > query.limit
    return [entry for _, entry in page], encode_cursor(page[-1][0]) if more and page else None


def _matches(
    entries: Mapping[ActivityKey, AgendaEntry], query: AgendaQuery
) -> Iterator[tuple[SortKey, AgendaEntry]]:
    for (organisation, activity_id), entry in list(entries.items()):
        first = query.first_match(entry)
        if first is None:
            continue
        key = (first, organisation, activity_id)
        if query.after is None or key > query.after:
            yield key, entry


def shown_to(caller: OrganisationUpdated, entry: AgendaEntry) -> ActivityPublished:
    """The activity as ``caller`` may see it: others' ``expected_attendance`` only for operations."""
    if caller.role is OrganisationRole.OPERATIONS or caller.slug == entry.organisation:
        return entry.activity
    return entry.activity.model_copy(update={"expected_attendance": None})


def agenda_router(context: ApiContext) -> APIRouter:
    """The routes ``/v1/agenda`` and ``/v1/agenda.ics`` (any key)."""
    router = APIRouter(prefix="/v1", tags=["agenda"])
    Caller = Annotated[OrganisationUpdated, Depends(context.auth.caller())]  # noqa: N806
    Selection = Annotated[AgendaQuery, Depends(agenda_query)]  # noqa: N806

    @router.get(
        "/agenda",
        summary="The shared agenda",
        description="Every organisation's activities, filtered by period, neighbourhood, organisation and "
        "kind, in pages of `limit` in order of first matching occurrence; follow `next_cursor`.",
        response_model=AgendaPage,
        responses=responses(503),
    )
    async def agenda(query: Selection, caller: Caller) -> AgendaPage:
        entries, next_cursor = await select(context, query)
        items = [
            AgendaItem(
                organisation=entry.organisation,
                activity=shown_to(caller, entry),
                occurrences=list(entry.spans),
                venue_known=entry.venue_known,
            )
            for entry in entries
        ]
        return AgendaPage(items=items, next_cursor=next_cursor)

    @router.get(
        "/agenda.ics",
        summary="The shared agenda as an iCalendar feed",
        description="The same selection as `/v1/agenda` (one page of `limit`) as RFC 5545.",
        response_class=Response,
        responses=responses(501, 503) | {200: {"content": {"text/calendar": {}}, "description": "RFC 5545."}},
    )
    async def agenda_ics(query: Selection, caller: Caller) -> Response:
        try:
            from scheduling.ical.export import calendar_of
        except ImportError:
            raise HTTPException(501, "the iCalendar export is not part of this build") from None
        entries, _ = await select(context, query)
        feed = calendar_of(
            ((entry.organisation, shown_to(caller, entry)) for entry in entries), name="Werkplaats agenda"
        )
        return Response(feed, media_type=ICS_MEDIA_TYPE)

    return router
