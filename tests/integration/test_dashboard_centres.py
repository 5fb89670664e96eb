"""The centres pages read from a real centres service, server-side, saying for whom they ask."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from centres_support import Centres, centre_body, running_centres
from dashboard.api.rendering import AMSTERDAM
from dashboard_stack import served
from dashboard_support import Offline, offline_dashboard, sign_in

CENTRE = "wijkcentrum-moerwijk"  # the test coordinator's centre


@dataclass
class Stack:
    centres: Centres
    site: Offline


@pytest.fixture
async def stack(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path
) -> AsyncIterator[Stack]:
    centres_database = f"sqlite+aiosqlite:///{tmp_path / 'centres.db'}"
    async with (
        running_centres(kafka_bootstrap, unique, centres_database, tmp_path) as centres,
        served(centres.app, lifespan=False) as centres_url,
        offline_dashboard(database_url, centres_url=centres_url, operations_key=centres.operations) as site,
    ):
        yield Stack(centres, site)


async def furnished(centres: Centres, year: int) -> None:
    """Moerwijk registered, with an energy line of 1,000 euros of which 950 is spent."""
    registered = await centres.client.put(
        f"/v1/centres/{CENTRE}", json=centre_body("mooi-welzijn"), headers=centres.staff()
    )
    assert registered.status_code == 200, registered.text
    line = {"kind": "expense", "category": "energie", "budgeted": "1000.00"}
    put = await centres.client.put(
        f"/v1/centres/{CENTRE}/budgets/{year}/lines/energie", json=line, headers=centres.staff()
    )
    assert put.status_code == 204, put.text
    actual = {"line_id": "energie", "amount": "950.00", "booked_on": f"{year}-01-15"}
    booked = await centres.client.put(
        f"/v1/centres/{CENTRE}/budgets/{year}/actuals/a1", json=actual, headers=centres.staff()
    )
    assert booked.status_code == 204, booked.text


async def test_staff_and_the_coordinator_read_the_centre_from_the_centres_service(stack: Stack) -> None:
    year = datetime.now(AMSTERDAM).year
    await furnished(stack.centres, year)
    client = stack.site.client
    await sign_in(client, "beheer")
    overview = await client.get("/centra")
    assert overview.status_code == 200, overview.text
    assert f'href="/centra/{CENTRE}"' in overview.text
    assert "Wijkcentrum Moerwijk" in overview.text
    page = await client.get(f"/centra/{CENTRE}")
    assert page.status_code == 200, page.text
    assert "Grote zaal" in page.text
    assert "Spreekkamer 1" in page.text
    assert "energie" in page.text
    assert "95" in page.text  # per cent spent
    assert 'class="warning-row"' in page.text
    assert '<span class="tag">' in page.text  # marked in words, not by colour alone
    missing = await client.get("/centra/wijkcentrum-nergens")
    assert missing.status_code == 404

    client.cookies.clear()
    await sign_in(client, "coord-moerwijk")
    own = await client.get(f"/centra/{CENTRE}")
    assert own.status_code == 200, own.text
    assert "energie" in own.text
    listed = await client.get("/centra")
    assert listed.status_code == 200
    assert "Wijkcentrum Moerwijk" in listed.text
