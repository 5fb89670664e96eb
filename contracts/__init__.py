"""Shared event contracts of Werkplaats: the envelope, the v1 events and the topic names.

Errors::

    ContractError                 a message can never be processed as it is
    ├── MalformedMessageError     not a JSON object
    ├── InvalidEventError         wrong shape of envelope or payload
    └── UnknownEventTypeError     a type or version no contract describes
"""

from contracts.activities import (
    PARTICIPATION_KINDS,
    ActivityKind,
    ActivityPublished,
    ActivityRejected,
    ActivityStatus,
    ActivityWithdrawn,
    AddressVenue,
    CentreVenue,
    FieldProblem,
    OccurrenceOverride,
    TargetGroup,
    Theme,
)
from contracts.agenda import AgendaActivityRemoved, AgendaActivityUpserted, Occurrence
from contracts.conflicts import (
    RULE_SEVERITY,
    ConflictAcknowledged,
    ConflictDetected,
    ConflictingActivity,
    ConflictResolved,
    ConflictRule,
    Explanation,
    Severity,
)
from contracts.envelope import Envelope, EventData, new_event
from contracts.notifications import Channel, NotificationDelivered, NotificationFailed, RecipientKind
from contracts.organisations import ApiKeyRecord, OrganisationRole, OrganisationUpdated
from contracts.registry import (
    EVENT_MODELS,
    ContractError,
    InvalidEventError,
    MalformedMessageError,
    UnknownEventTypeError,
    decode_event,
    encode_event,
    problems_of,
    register,
)

__all__ = [
    "EVENT_MODELS",
    "PARTICIPATION_KINDS",
    "RULE_SEVERITY",
    "ActivityKind",
    "ActivityPublished",
    "ActivityRejected",
    "ActivityStatus",
    "ActivityWithdrawn",
    "AddressVenue",
    "AgendaActivityRemoved",
    "AgendaActivityUpserted",
    "ApiKeyRecord",
    "CentreVenue",
    "Channel",
    "ConflictAcknowledged",
    "ConflictDetected",
    "ConflictResolved",
    "ConflictRule",
    "ConflictingActivity",
    "ContractError",
    "Envelope",
    "EventData",
    "Explanation",
    "FieldProblem",
    "InvalidEventError",
    "MalformedMessageError",
    "NotificationDelivered",
    "NotificationFailed",
    "Occurrence",
    "OccurrenceOverride",
    "OrganisationRole",
    "OrganisationUpdated",
    "RecipientKind",
    "Severity",
    "TargetGroup",
    "Theme",
    "UnknownEventTypeError",
    "decode_event",
    "encode_event",
    "new_event",
    "problems_of",
    "register",
]
