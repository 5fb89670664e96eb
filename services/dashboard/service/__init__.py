"""The dashboard's use cases: accounts, sign-ins, the read model, reading it for the pages, the live feed."""

from dashboard.service.accounts import Passwords, create_account, verify_sign_in
from dashboard.service.readmodel import AGENDA_EVENTS, CONFLICT_EVENTS, ReadModel

__all__ = ["AGENDA_EVENTS", "CONFLICT_EVENTS", "Passwords", "ReadModel", "create_account", "verify_sign_in"]
