"""What the reach API's routes share: the context, the path and query types, errors naming the field."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError

from contracts import OrganisationRole, OrganisationUpdated
from contracts.activities import ACTIVITY_ID_PATTERN
from contracts.envelope import SLUG_PATTERN
from reach.service import Reach
from werkplaats.auth import Authenticator
from werkplaats.runtime import ServiceRuntime

ActivityId = Annotated[
    str, Path(pattern=ACTIVITY_ID_PATTERN, description="The organisation's own id of the activity.")
]
Wijk = Annotated[str | None, Query(pattern=r"^WK\d{6}$", description="CBS wijk code, e.g. `WK051836`.")]
OnBehalfOf = Annotated[
    str | None,
    Query(
        pattern=SLUG_PATTERN,
        description="Operations keys only (the dashboard, for a signed-in organiser): the organisation "
        "acted for. A partner key acts for its own organisation; naming another is 403.",
    ),
]


@dataclass
class ApiContext:
    """What the routes use: the runtime (database, topics) and the authenticator."""

    runtime: ServiceRuntime
    auth: Authenticator
    minimum_reports: int
    reach: Reach


def invalid(location: tuple[str, ...], message: str) -> RequestValidationError:
    """A 422 naming the field, shaped like FastAPI's own validation errors."""
    return RequestValidationError([{"loc": location, "msg": message, "type": "value_error"}])


def acting_for(caller: OrganisationUpdated, organisation: str | None) -> str:
    """The organisation a call acts for: the caller's own, or (operations only) the one it names."""
    if organisation is None or organisation == caller.slug:
        return caller.slug
    if caller.role is not OrganisationRole.OPERATIONS:
        raise HTTPException(403, "a partner key acts only for its own organisation")
    return organisation
