"""Errors of the initiatives service.

Errors::

    InitiativesError              a request the service refuses
    ├── UnknownInitiativeError    no initiative with that reference (or a wrong access token)
    ├── UnknownBuilderError       no community builder with that id
    ├── UnknownActivityError      no such activity of the initiative
    └── RefusedError              the lifecycle or the data does not allow it (a 409)
"""

from __future__ import annotations


class InitiativesError(Exception):
    """A request the initiatives service refuses."""


class UnknownInitiativeError(InitiativesError):
    """No initiative with that reference, or the access token does not match."""


class UnknownBuilderError(InitiativesError):
    """No community builder with that id is configured."""


class UnknownActivityError(InitiativesError):
    """The initiative has no activity with that id."""


class RefusedError(InitiativesError):
    """The lifecycle or the initiative's data does not allow what was asked."""
