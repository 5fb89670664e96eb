"""``/v1/conflicts``: the recorded conflicts, and operations accepting one with a reason.

Operations keys see every conflict; partner keys see the conflicts their own organisation takes part in.
Only operations keys may acknowledge.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ConflictDetected, OrganisationRole, OrganisationUpdated, Severity
from scheduling.api.context import ApiContext
from scheduling.api.errors import invalid, reject_unsafe_text, responses
from scheduling.api.paging import (
    Cursor,
    Limit,
    Neighbourhoods,
    Organisations,
    SortKey,
    decode_cursor,
    encode_cursor,
)
from scheduling.api.schemas import (
    AcknowledgeBody,
    Acknowledged,
    Acknowledgement,
    ConflictPage,
    ConflictRecord,
    ConflictStatus,
)
from scheduling.domain import meets
from scheduling.service.acknowledge import (
    ConflictResolvedError,
    InvalidAcknowledgementError,
    UnknownConflictError,
    acknowledge,
)
from scheduling.store import ConflictRow, SqlSchedulingUnitOfWork

ConflictId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9._:-]{1,80}$", description="The conflict's id.", examples=["nbo-0a1b2c"])
]
SCAN_BATCH = 500


@dataclass(frozen=True)
class ConflictQuery:
    """Which conflicts to list for whom."""

    caller: OrganisationUpdated
    status: ConflictStatus | None
    severity: Severity | None
    neighbourhoods: tuple[str, ...]
    organisations: frozenset[str]
    limit: int
    after: SortKey | None

    def shows(self, row: ConflictRow) -> bool:
        """Whether the row passes the filters the database did not apply, and the caller may see it."""
        involved = set(row.organisations)
        if self.caller.role is not OrganisationRole.OPERATIONS and self.caller.slug not in involved:
            return False
        if self.organisations and not involved & self.organisations:
            return False
        return not self.neighbourhoods or any(
            meets(f, code) for f in self.neighbourhoods for code in row.neighbourhoods
        )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def status_of(row: ConflictRow) -> ConflictStatus:
    """Open, acknowledged (open but accepted) or resolved."""
    if row.status != "open":
        return ConflictStatus.RESOLVED
    return ConflictStatus.ACKNOWLEDGED if row.acknowledged else ConflictStatus.OPEN


def record_of(row: ConflictRow) -> ConflictRecord:
    """The API's view of a conflict row."""
    accepted = None
    if row.acknowledged and row.acknowledged_by:
        at = _utc(row.acknowledged_at) if row.acknowledged_at else None
        accepted = Acknowledgement(by=row.acknowledged_by, reason=row.acknowledged_reason or "", at=at)
    return ConflictRecord(
        conflict=ConflictDetected.model_validate(row.detected),
        status=status_of(row),
        detected_at=_utc(row.detected_at),
        resolved_at=_utc(row.resolved_at) if row.resolved_at else None,
        acknowledgement=accepted,
    )


async def page_of(session: AsyncSession, query: ConflictQuery) -> tuple[list[ConflictRow], str | None]:
    """One page of visible conflicts in (start, id) order, scanning the table in batches."""
    found: list[ConflictRow] = []
    after = query.after
    while len(found) <= query.limit:
        statement = select(ConflictRow).where(*_conditions(query, after))
        statement = statement.order_by(ConflictRow.starts_at, ConflictRow.conflict_id).limit(SCAN_BATCH)
        rows = list(await session.scalars(statement))
        found += [row for row in rows if query.shows(row)]
        if len(rows) < SCAN_BATCH:
            break
        after = (_utc(rows[-1].starts_at), rows[-1].conflict_id, "")
    page = found[: query.limit]
    more = len(found) > query.limit
    cursor = encode_cursor((_utc(page[-1].starts_at), page[-1].conflict_id, "")) if more and page else None
    return page, cursor


def _conditions(query: ConflictQuery, after: SortKey | None) -> list[Any]:
    conditions: list[Any] = []
    if query.status is ConflictStatus.RESOLVED:
        conditions.append(ConflictRow.status != "open")
    elif query.status is not None:
        conditions += [
            ConflictRow.status == "open",
            ConflictRow.acknowledged.is_(query.status is ConflictStatus.ACKNOWLEDGED),
        ]
    if query.severity is not None:
        conditions.append(ConflictRow.severity == query.severity.value)
    if after is not None:
        start, conflict_id, _ = after
        conditions.append(
            or_(
                ConflictRow.starts_at > start,
                and_(ConflictRow.starts_at == start, ConflictRow.conflict_id > conflict_id),
            )
        )
    return conditions


def conflicts_router(context: ApiContext) -> APIRouter:
    """The routes under ``/v1/conflicts``."""
    router = APIRouter(prefix="/v1/conflicts", tags=["conflicts"])
    Caller = Annotated[OrganisationUpdated, Depends(context.auth.caller())]  # noqa: N806
    Operations = Annotated[OrganisationUpdated, Depends(context.auth.caller(OrganisationRole.OPERATIONS))]  # noqa: N806

    @router.get(
        "",
        summary="Conflicts (operations: all; partners: their own organisation's)",
        description="Recorded conflicts in order of start, filtered by status, severity, neighbourhood "
        "(a wijk matches its buurten) and organisation; follow `next_cursor`.",
        response_model=ConflictPage,
        responses=responses(),
    )
    async def conflicts(
        caller: Caller,
        status: Annotated[ConflictStatus | None, Query(description="open, acknowledged or resolved.")] = None,
        severity: Annotated[Severity | None, Query(description="high, medium or low.")] = None,
        neighbourhood: Neighbourhoods = None,
        organisation: Organisations = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> ConflictPage:
        query = ConflictQuery(
            caller=caller,
            status=status,
            severity=severity,
            neighbourhoods=tuple(neighbourhood or ()),
            organisations=frozenset(organisation or ()),
            limit=limit,
            after=decode_cursor(cursor),
        )
        async with context.runtime.database.sessions() as session:
            rows, next_cursor = await page_of(session, query)
        return ConflictPage(items=[record_of(row) for row in rows], next_cursor=next_cursor)

    @router.post(
        "/{conflict_id}/acknowledge",
        summary="Accept a conflict with a reason (operations keys only)",
        description="Records the acknowledgement and announces `conflict.acknowledged`; the conflict stays "
        "quiet until one of its activities changes.",
        response_model=Acknowledged,
        responses=responses(400, 403, 404, 409, 413),
    )
    async def acknowledge_conflict(
        conflict_id: ConflictId, body: AcknowledgeBody, caller: Operations
    ) -> Acknowledged:
        reject_unsafe_text(body.reason, ("body", "reason"))
        try:
            async with context.runtime.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
                accepted = await acknowledge(unit, conflict_id, reason=body.reason, by=caller.slug)
        except UnknownConflictError as error:
            raise HTTPException(404, str(error)) from None
        except ConflictResolvedError as error:
            raise HTTPException(409, str(error)) from None
        except InvalidAcknowledgementError as error:
            raise invalid(("body", "reason"), str(error)) from None
        return Acknowledged(
            conflict_id=accepted.conflict_id, reason=accepted.reason, acknowledged_by=accepted.acknowledged_by
        )

    return router
