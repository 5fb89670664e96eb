"""Which payload model belongs to each event type and version, and decoding raw messages."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from contracts.activities import ActivityPublished, ActivityRejected, ActivityWithdrawn
from contracts.agenda import AgendaActivityRemoved, AgendaActivityUpserted
from contracts.conflicts import ConflictAcknowledged, ConflictDetected, ConflictResolved
from contracts.envelope import Envelope, EventData

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
)


def decode_event(raw: bytes | str, *, accept: frozenset[str] | None = None) -> Envelope[EventData]:
    """Parse and validate a raw message into an envelope with a typed payload.

    ``accept`` limits the event types allowed on the topic being read.
    """
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedMessageError(f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise MalformedMessageError("not a JSON object")
    envelope = _validate_envelope(document)
    model = EVENT_MODELS.get((envelope.type, envelope.version))
    if model is None or (accept is not None and envelope.type not in accept):
        raise UnknownEventTypeError(f"unknown event type {envelope.type!r} version {envelope.version}")
    data = _validate_data(model, envelope.data)
    return Envelope[EventData].model_construct(**{**dict(envelope), "data": data})


def _validate_envelope(document: dict[str, Any]) -> Envelope[dict[str, Any]]:
    try:
        return Envelope[dict[str, Any]].model_validate(document)
    except ValidationError as error:
        raise InvalidEventError("invalid envelope", problems_of(error)) from None


def _validate_data(model: type[EventData], data: dict[str, Any]) -> EventData:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [(f"data.{field}" if field != "(message)" else "data", text) for field, text in problems_of(error)]
        raise InvalidEventError(f"invalid {model.event_type} data", problems) from None


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
