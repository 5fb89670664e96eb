"""Who calls: an organisation's API key, and for operations keys the person it acts for.

The dashboard calls this API server-side with the operations key of the Werkplaats and says for whom:

    X-Acting-Role: staff | coordinator | coach     (default: staff)
    X-Acting-Centre: <centre_id>                   (coordinator: the only centre they may touch)
    X-Acting-Person: <pseudonymous id>             (coordinator or coach: needed to read coaching notes)

Only operations keys may send these headers (a partner key that sends one gets a 403); a partner key
always acts as its own organisation. The scope is enforced in every use case.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException
from fastapi.exceptions import RequestValidationError

from centres.service.common import ActingRole, Actor
from contracts import OrganisationRole, OrganisationUpdated
from werkplaats.auth import Authenticator


def actor_dependency(auth: Authenticator) -> Callable[..., Awaitable[Actor]]:
    """A FastAPI dependency: the :class:`Actor` of a request."""
    caller = auth.caller()

    async def actor(
        organisation: Annotated[OrganisationUpdated, Depends(caller)],
        x_acting_role: Annotated[ActingRole | None, Header()] = None,
        x_acting_centre: Annotated[str | None, Header(max_length=100)] = None,
        x_acting_person: Annotated[str | None, Header(max_length=60)] = None,
    ) -> Actor:
        acting = (x_acting_role, x_acting_centre, x_acting_person)
        if organisation.role is OrganisationRole.PARTNER:
            if any(value is not None for value in acting):
                raise HTTPException(403, "only an operations key may act for a person (X-Acting-*)")
            return Actor(organisation.slug, ActingRole.PARTNER)
        role = x_acting_role or ActingRole.STAFF
        if role is ActingRole.PARTNER:
            raise _header_problem("x-acting-role", "must be staff, coordinator or coach")
        if role is ActingRole.COORDINATOR and x_acting_centre is None:
            raise _header_problem("x-acting-centre", "a coordinator acts for one centre: name it")
        if role is ActingRole.COACH and x_acting_person is None:
            raise _header_problem("x-acting-person", "a coach acts as a person: give the coach's id")
        return Actor(organisation.slug, role, x_acting_centre, x_acting_person)

    return actor


def _header_problem(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("header", name), "msg": message, "type": "value_error"}])
