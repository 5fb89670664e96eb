"""Which payload model belongs to each event type and version, and decoding raw messages."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from contracts.activities import ActivityPublished, ActivityRejected, ActivityWithdrawn
from contracts.agenda import AgendaActivityRemoved, AgendaActivityUpserted
from contracts.centres import CENTRES_EVENT_MODELS
from contracts.conflicts import ConflictAcknowledged, ConflictDetected, ConflictResolved
from contracts.envelope import Envelope, EventData
from contracts.initiatives import INITIATIVE_EVENTS
from contracts.notifications import NotificationDelivered, NotificationFailed
from contracts.organisations import OrganisationUpdated
from contracts.reach import ActivityReported, AdviceUpdated, PromiseOverdue, ReportDue

EVENT_MODELS: dict[tuple[str, int], type[EventData]] = {}


class ContractError(ValueError):
    """A message does not satisfy the contracts; it can never be processed as it is."""

    def __init__(self, reason: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []


class MalformedMessageError(ContractError):
    """The bytes are not a JSON object."""


class InvalidEventError(ContractError):
    """The JSON does not have the shape of the envelope or of its payload."""


class UnknownEventTypeError(ContractError):
    """The envelope names a type or version no contract describes."""


def register(*models: type[EventData]) -> None:
    """Make ``models`` known to :func:`decode_event`."""
    for model in models:
        EVENT_MODELS[(model.event_type, model.event_version)] = model


register(
    ActivityPublished,
    ActivityWithdrawn,
    ActivityRejected,
    AgendaActivityUpserted,
    AgendaActivityRemoved,
    ConflictDetected,
    ConflictResolved,
    ConflictAcknowledged,
    OrganisationUpdated,
    NotificationDelivered,
    NotificationFailed,
    ActivityReported,
    ReportDue,
    PromiseOverdue,
    AdviceUpdated,
)
register(*INITIATIVE_EVENTS)
register(*CENTRES_EVENT_MODELS)


def decode_event(raw: bytes | str, *, accept: frozenset[str] | None = None) -> Envelope[EventData]:
    """Parse and validate a raw message into an envelope with a typed payload.

    ``accept`` limits the event types allowed on the topic being read.
    """
    try:
        document = from_json(raw)  # pydantic-core's parser: several times faster than json.loads
    except ValueError as error:  # not JSON, not UTF-8, or a lone surrogate escape
        raise MalformedMessageError(f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise MalformedMessageError("not a JSON object")
    model = _model_for(document.get("type"), document.get("version"))
    if model is None:
        envelope = _validate(Envelope[dict[str, Any]], document, "invalid envelope")
        raise UnknownEventTypeError(f"unknown event type {envelope.type!r} version {envelope.version}")
    if accept is not None and model.event_type not in accept:
        raise UnknownEventTypeError(f"event type {model.event_type!r} is not accepted on this topic")
    return _validate(_envelope_of(model), document, f"invalid {model.event_type} event")


def _model_for(event_type: object, version: object) -> type[EventData] | None:
    if not isinstance(event_type, str) or not isinstance(version, int):
        return None
    return EVENT_MODELS.get((event_type, version))


@cache
def _envelope_of(model: type[EventData]) -> type[Envelope[Any]]:
    return Envelope[model]  # type: ignore[valid-type]


def _validate(envelope_type: type[Envelope[Any]], document: dict[str, Any], reason: str) -> Envelope[Any]:
    try:
        return envelope_type.model_validate(document)
    except ValidationError as error:
        raise InvalidEventError(reason, problems_of(error)) from None


def problems_of(error: ValidationError) -> list[tuple[str, str]]:
    """Each problem in a validation error as (dotted field path, message)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"]) or "(message)"
        problems.append((path, item["msg"]))
    return problems


def encode_event(envelope: Envelope[Any]) -> bytes:
    """Serialise an envelope to the JSON bytes put on a topic."""
    return envelope.model_dump_json(serialize_as_any=True).encode()
