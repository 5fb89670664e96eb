"""Demo mode (``werkplaats up``): demo accounts, and an operations key of the dashboard's own."""

from __future__ import annotations

import structlog

from contracts import OrganisationRole
from dashboard.domain import Role
from dashboard.service.accounts import AccountExistsError, Passwords, create_account
from dashboard.settings import DashboardSettings
from dashboard.store import SecretRow
from werkplaats.db import Database
from werkplaats.organisations import OrganisationExistsError, add_organisation, rotate_key

log = structlog.get_logger(__name__)

DASHBOARD_ORGANISATION = "werkplaats-dashboard"
OPERATIONS_KEY = "operations_key"
DEMO_ACCOUNTS = (
    ("beheer", "Demo Werkplaats (operations)", Role.OPERATIONS, None),
    ("opbouwwerker", "Demo opbouwwerker", Role.COMMUNITY_BUILDER, None),
    ("coordinator", "Demo coördinator Wijkcentrum Moerwijk", Role.COORDINATOR, "wijkcentrum-moerwijk"),
)
"""User name, display name, role and centre of each demo account (they all share the demo password)."""


async def create_demo_accounts(database: Database, passwords: Passwords, password: str) -> list[str]:
    """Create the demo accounts that do not exist yet; return the user names created."""
    created = []
    for username, display_name, role, centre in DEMO_ACCOUNTS:
        try:
            async with database.transaction() as session:
                await create_account(
                    session,
                    passwords,
                    username=username,
                    display_name=display_name,
                    role=role,
                    password=password,
                    centre_id=centre,
                )
            created.append(username)
        except AccountExistsError:
            continue
    return created


async def operations_key(database: Database, bootstrap: str, settings: DashboardSettings) -> str:
    """The dashboard's operations key: registered once as its own organisation and kept in its database."""
    async with database.sessions() as session:
        stored = await session.get(SecretRow, OPERATIONS_KEY)
    if stored is not None:
        return stored.value
    try:
        issued = await add_organisation(
            bootstrap,
            DASHBOARD_ORGANISATION,
            name="Werkplaats Participatie (dashboard)",
            role=OrganisationRole.OPERATIONS,
            security=settings,
        )
    except OrganisationExistsError:
        issued = await rotate_key(bootstrap, DASHBOARD_ORGANISATION, revoke_others=False, security=settings)
    async with database.transaction() as session:
        session.add(SecretRow(name=OPERATIONS_KEY, value=issued.secret))
    return issued.secret


async def prepare_demo(
    database: Database, passwords: Passwords, settings: DashboardSettings, bootstrap: str
) -> str:
    """Demo accounts and the operations key; returns the key."""
    created = await create_demo_accounts(database, passwords, settings.demo_password.get_secret_value())
    if created:
        log.info("demo_accounts_created", accounts=created)
    return await operations_key(database, bootstrap, settings)


def demo_notes(demo: bool) -> list[str]:
    """What ``werkplaats up`` prints under the dashboard's address: the demo sign-ins."""
    if not demo:
        return ["sign in with an account made by `werkplaats accounts add`"]
    password = DashboardSettings().demo_password.get_secret_value()
    names = ", ".join(username for username, *_ in DEMO_ACCOUNTS)
    return [f"demo sign-in: {names}; password {password}"]
