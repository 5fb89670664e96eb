"""The dashboard's use cases: accounts and sign-ins, the read model, and reading it for the pages."""

from dashboard.service.accounts import Passwords, create_account, verify_sign_in
from dashboard.service.readmodel import AGENDA_EVENTS, CONFLICT_EVENTS, ReadModel

__all__ = ["AGENDA_EVENTS", "CONFLICT_EVENTS", "Passwords", "ReadModel", "create_account", "verify_sign_in"]
