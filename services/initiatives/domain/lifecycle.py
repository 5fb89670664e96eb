"""The lifecycle of an initiative: which moves are allowed and which need a reason."""

from __future__ import annotations

from contracts.initiatives import InitiativeStatus, StatusReason

S = InitiativeStatus

CLOSED = frozenset({S.COMPLETED, S.DECLINED, S.WITHDRAWN, S.MERGED})
"""Statuses an initiative never leaves; contact data is erased a while after reaching one."""
OPEN = frozenset(InitiativeStatus) - CLOSED

_FORWARD: dict[InitiativeStatus, frozenset[InitiativeStatus]] = {
    S.SUBMITTED: frozenset({S.IN_INTAKE}),
    S.IN_INTAKE: frozenset({S.SUPPORTED}),
    S.SUPPORTED: frozenset({S.RUNNING}),
    S.RUNNING: frozenset({S.COMPLETED}),
}
_ENDINGS = frozenset({S.DECLINED, S.WITHDRAWN, S.MERGED})

REASONS_FOR: dict[InitiativeStatus, frozenset[StatusReason]] = {
    S.DECLINED: frozenset(
        {
            StatusReason.NOT_FEASIBLE,
            StatusReason.NOT_ALLOWED,
            StatusReason.OVER_BUDGET,
            StatusReason.OUTSIDE_AREA,
            StatusReason.NOT_PUBLIC,
            StatusReason.OTHER,
        }
    ),
    S.WITHDRAWN: frozenset(
        {StatusReason.WITHDRAWN_BY_INITIATOR, StatusReason.NO_RESPONSE, StatusReason.OTHER}
    ),
    S.MERGED: frozenset({StatusReason.DUPLICATE, StatusReason.JOINED_OTHER}),
}
"""The reasons a closing move may give; forward moves give ``progress``."""


class TransitionError(ValueError):
    """A status change the lifecycle does not allow."""


def allowed_moves(current: InitiativeStatus) -> frozenset[InitiativeStatus]:
    """Where an initiative in ``current`` may go next."""
    if current in CLOSED:
        return frozenset()
    return _FORWARD.get(current, frozenset()) | _ENDINGS


def check_move(
    current: InitiativeStatus,
    target: InitiativeStatus,
    reason: StatusReason,
    *,
    explanation: str | None,
    merged_into: str | None,
) -> None:
    """Raise :class:`TransitionError` unless moving from ``current`` to ``target`` this way is allowed."""
    if target not in allowed_moves(current):
        allowed = ", ".join(sorted(allowed_moves(current))) or "none (it is closed)"
        raise TransitionError(f"cannot go from {current} to {target}; allowed: {allowed}")
    if target in _ENDINGS:
        if reason not in REASONS_FOR[target]:
            options = ", ".join(sorted(REASONS_FOR[target]))
            raise TransitionError(f"reason for {target} must be one of: {options}")
        if not explanation or not explanation.strip():
            raise TransitionError(f"{target} needs an explanation the initiator can read")
    elif reason is not StatusReason.PROGRESS:
        raise TransitionError(f"moving forward to {target} takes reason progress")
    if (target is S.MERGED) != (merged_into is not None):
        raise TransitionError("merged_into is required for merged, and only for merged")
