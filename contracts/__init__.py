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
from contracts.centres import CENTRES_EVENT_MODELS
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
from contracts.initiatives import (
    INITIATIVE_EVENTS,
    InitiativeAssigned,
    InitiativeConflictAttached,
    InitiativeOverdue,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeSubmitted,
    InitiativeSubsidyChecked,
    InitiativeSubsidyDeadlineApproaching,
    InitiativeSupportLogged,
)
from contracts.notifications import Channel, NotificationDelivered, NotificationFailed, RecipientKind
from contracts.organisations import ApiKeyRecord, OrganisationRole, OrganisationUpdated
from contracts.reach import (
    ActivityReported,
    AdviceUpdated,
    FollowUpDone,
    FollowUpPromise,
    PromiseOverdue,
    ReachMethod,
    ReportDue,
    TimeOfDay,
)
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
    "CENTRES_EVENT_MODELS",
    "EVENT_MODELS",
    "INITIATIVE_EVENTS",
    "PARTICIPATION_KINDS",
    "RULE_SEVERITY",
    "ActivityKind",
    "ActivityPublished",
    "ActivityRejected",
    "ActivityReported",
    "ActivityStatus",
    "ActivityWithdrawn",
    "AddressVenue",
    "AdviceUpdated",
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
    "FollowUpDone",
    "FollowUpPromise",
    "InitiativeAssigned",
    "InitiativeConflictAttached",
    "InitiativeOverdue",
    "InitiativeStatus",
    "InitiativeStatusChanged",
    "InitiativeSubmitted",
    "InitiativeSubsidyChecked",
    "InitiativeSubsidyDeadlineApproaching",
    "InitiativeSupportLogged",
    "InvalidEventError",
    "MalformedMessageError",
    "NotificationDelivered",
    "NotificationFailed",
    "Occurrence",
    "OccurrenceOverride",
    "OrganisationRole",
    "OrganisationUpdated",
    "PromiseOverdue",
    "ReachMethod",
    "RecipientKind",
    "ReportDue",
    "Severity",
    "TargetGroup",
    "Theme",
    "TimeOfDay",
    "UnknownEventTypeError",
    "decode_event",
    "encode_event",
    "new_event",
    "problems_of",
    "register",
]
