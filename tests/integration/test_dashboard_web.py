"""The dashboard pages on SQLite and PostgreSQL: signing in, CSRF, roles, the read model as pages show it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from dashboard.service import ReadModel
from dashboard.service.live import LiveFeed
from dashboard.store import AccountRow, SqlDashboardUnitOfWork
from dashboard_support import (
    PASSWORD,
    START,
    Offline,
    acknowledged,
    conflict_id_of,
    csrf_of,
    detected,
    offline_dashboard,
    resolved,
    sign_in,
    upserted,
)


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Offline]:
    closed = "http://127.0.0.1:9"  # nothing listens: a call that is made shows as "does not answer"
    async with offline_dashboard(
        database_url, scheduling_url=closed, centres_url=closed, initiatives_url=closed
    ) as offline:
        yield offline


async def test_pages_send_a_stranger_to_sign_in_and_back(site: Offline) -> None:
    response = await site.client.get("/agenda?weergave=maand")
    assert response.status_code == 303
    assert response.headers["location"] == "/aanmelden?terug=/agenda%3Fweergave%3Dmaand"
    signed_in = await sign_in(site.client, "beheer")
    assert signed_in.status_code == 303
    assert (await site.client.get("/agenda?weergave=maand")).status_code == 200


async def test_passwords_are_kept_as_argon2id_hashes_only(site: Offline) -> None:
    async with site.dashboard.runtime.database.sessions() as session:
        row = await session.scalar(select(AccountRow).where(AccountRow.username == "beheer"))
    assert row is not None
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash


async def test_a_wrong_password_is_refused_without_a_session(site: Offline) -> None:
    response = await sign_in(site.client, "beheer", "niet het wachtwoord")
    assert response.status_code == 401
    assert "wp_session" not in response.headers.get("set-cookie", "")
    assert "horen niet bij elkaar" in response.text
    unknown = await sign_in(site.client, "niemand", PASSWORD)
    assert unknown.status_code == 401


async def test_the_session_cookie_is_secure_http_only_and_same_site(site: Offline) -> None:
    response = await sign_in(site.client, "beheer")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("wp_session="))
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=lax" in cookie


async def test_a_form_without_this_browsers_csrf_token_is_refused(site: Offline) -> None:
    data = {"username": "beheer", "password": PASSWORD, "terug": "/vandaag"}
    assert (await site.client.post("/aanmelden", data=data)).status_code == 403
    other_browser = (await site.client.get("/aanmelden")).text
    site.client.cookies.clear()
    forged = await site.client.post("/aanmelden", data=data | {"csrf_token": csrf_of(other_browser)})
    assert forged.status_code == 403
    assert "wp_session" not in forged.headers.get("set-cookie", "")


async def test_signing_out_ends_the_session_on_the_server(site: Offline) -> None:
    await sign_in(site.client, "beheer")
    token = site.client.cookies["wp_session"]
    page = await site.client.get("/vandaag")
    assert (await site.client.post("/afmelden", data={"csrf_token": csrf_of(page.text)})).status_code == 303
    site.client.cookies.set("wp_session", token, domain="dashboard")
    assert (await site.client.get("/vandaag")).status_code == 303


async def test_return_paths_stay_on_the_dashboard(site: Offline) -> None:
    form = await site.client.get("/aanmelden")
    data = {"username": "beheer", "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    for target in ("https://elders.example/", "//elders.example/", "/\\elders.example"):
        response = await site.client.post("/aanmelden", data=data | {"terug": target})
        assert response.headers["location"] == "/vandaag"
    switched = await site.client.get("/taal/en", params={"terug": "https://elders.example/"})
    assert switched.headers["location"] == "/vandaag"


async def test_every_page_carries_the_security_headers(site: Offline) -> None:
    response = await site.client.get("/aanmelden")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_today_lists_open_conflicts_by_severity_and_drops_acknowledged_and_resolved(
    site: Offline,
) -> None:
    high = detected(("staedion", "a"), ("haag-wonen", "b"))
    low = detected(("staedion", "a"), severity="low", rule="unfavourable_date")
    accepted = detected(("hof-wonen", "c"), ("staedion", "d"))
    gone = detected(("hof-wonen", "e"), ("staedion", "f"))
    await site.apply(upserted("staedion", "a"), upserted("haag-wonen", "b"), high, low, accepted, gone)
    await site.apply(acknowledged(conflict_id_of(accepted)), resolved(conflict_id_of(gone)))
    await sign_in(site.client, "opbouw")
    page = (await site.client.get("/vandaag")).text
    assert 'id="open-count">2<' in page
    assert page.index(conflict_id_of(high)) < page.index("heading-medium") < page.index(conflict_id_of(low))
    assert conflict_id_of(accepted) not in page
    assert conflict_id_of(gone) not in page
    assert "Tegelijk in dezelfde buurt" in page
    assert "Twee avonden tegelijk in Moerwijk-Oost." in page


async def test_a_conflict_page_shows_both_activities_the_suggestions_and_the_history(site: Offline) -> None:
    conflict = detected(("staedion", "renovatie"), ("haag-wonen", "buurtschouw"))
    await site.apply(
        upserted("staedion", "renovatie", venue={"venue_id": "wijkcentrum-moerwijk", "room": "zaal 1"}),
        upserted("haag-wonen", "buurtschouw", kind="walk", target_groups=["all_residents"]),
        conflict,
        acknowledged(conflict_id_of(conflict), "Zelfde bewoners, bewust samen"),
    )
    await sign_in(site.client, "beheer")
    page = (await site.client.get(f"/conflicten/{conflict_id_of(conflict)}")).text
    assert "Bewonersavond renovatie" in page
    assert "Bewonersavond buurtschouw" in page
    assert "wijkcentrum-moerwijk, zaal 1" in page
    assert "Wijkschouw" in page
    assert "Alle bewoners" in page
    assert "Voorgestelde alternatieven" in page
    history = page[page.index("history-heading") :]
    assert history.index("Gevonden") < history.index("Geaccepteerd")
    assert "Zelfde bewoners, bewust samen" in history
    assert "Conflict accepteren" not in page  # acknowledged already: no form


async def test_a_coordinator_sees_only_conflicts_at_their_own_centre(site: Offline) -> None:
    here = detected(("staedion", "in-moerwijk"), ("hof-wonen", "elders"))
    there = detected(("staedion", "in-bouwlust"), ("hof-wonen", "elders"))
    await site.apply(
        upserted("staedion", "in-moerwijk", venue={"venue_id": "wijkcentrum-moerwijk"}),
        upserted("staedion", "in-bouwlust", venue={"venue_id": "wijkcentrum-bouwlust"}),
        upserted("hof-wonen", "elders", venue={"address": "Leyweg 813"}),
        here,
        there,
    )
    await sign_in(site.client, "coord-moerwijk")
    today = (await site.client.get("/vandaag")).text
    assert conflict_id_of(here) in today
    assert conflict_id_of(there) not in today
    assert (await site.client.get(f"/conflicten/{conflict_id_of(here)}")).status_code == 200
    refused = await site.client.get(f"/conflicten/{conflict_id_of(there)}")
    assert refused.status_code == 403
    assert "Bewonersavond in-bouwlust" not in refused.text


async def test_only_operations_may_acknowledge(site: Offline) -> None:
    conflict = detected(("staedion", "a"), ("haag-wonen", "b"))
    await site.apply(conflict)
    await sign_in(site.client, "opbouw")
    page = await site.client.get(f"/conflicten/{conflict_id_of(conflict)}")
    assert "Conflict accepteren" not in page.text
    attempt = await site.client.post(
        f"/conflicten/{conflict_id_of(conflict)}/accepteren",
        data={"reason": "Mag dit?", "csrf_token": csrf_of(page.text)},
    )
    assert attempt.status_code == 403


async def test_acknowledging_needs_a_reason_and_says_when_scheduling_does_not_answer(site: Offline) -> None:
    conflict = detected(("staedion", "a"), ("haag-wonen", "b"))
    await site.apply(conflict)
    await sign_in(site.client, "beheer")
    url = f"/conflicten/{conflict_id_of(conflict)}"
    token = csrf_of((await site.client.get(url)).text)
    empty = await site.client.post(f"{url}/accepteren", data={"reason": "  ", "csrf_token": token})
    assert empty.status_code == 422
    assert "Geef een reden" in empty.text
    unreachable = await site.client.post(
        f"{url}/accepteren", data={"reason": "Afgestemd", "csrf_token": token}
    )
    assert unreachable.status_code == 503
    assert "antwoordt niet" in unreachable.text


async def test_the_agenda_shows_a_week_per_wijk_filtered_with_conflicts_marked(site: Offline) -> None:
    conflict = detected(("staedion", "inspraak"), ("haag-wonen", "schouw"))
    await site.apply(
        upserted("staedion", "inspraak"),
        upserted("haag-wonen", "schouw", kind="walk", start=START.replace(hour=17)),
        upserted("hof-wonen", "morgenstond", codes=("WK051834",)),
        conflict,
    )
    await sign_in(site.client, "opbouw")
    week = (await site.client.get("/agenda", params={"wijk": "WK051836", "datum": "2030-03-05"})).text
    assert "Bewonersavond inspraak" in week
    assert "Bewonersavond schouw" in week
    assert "Bewonersavond morgenstond" not in week
    assert week.count(f"/conflicten/{conflict_id_of(conflict)}") == 2
    walks = await site.client.get(
        "/agenda", params={"wijk": "WK051836", "datum": "2030-03-05", "soort": "walk", "weergave": "maand"}
    )
    assert "Bewonersavond schouw" in walks.text
    assert "Bewonersavond inspraak" not in walks.text
    assert "maart 2030" in walks.text


async def test_the_ics_link_serves_the_filter_without_a_cookie_and_refuses_forged_links(
    site: Offline,
) -> None:
    from datetime import UTC, datetime, timedelta

    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    await site.apply(
        upserted("staedion", "inspraak", start=soon),
        upserted("haag-wonen", "schouw", start=soon, kind="walk"),
    )
    await sign_in(site.client, "opbouw")
    page = (await site.client.get("/agenda", params={"wijk": "WK051836", "soort": "walk"})).text
    link = re.search(r'href="(/agenda\.ics\?[^"]+)"', page)
    assert link is not None
    site.client.cookies.clear()
    feed = await site.client.get(link.group(1).replace("&amp;", "&"))
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Bewonersavond schouw" in feed.text
    assert "Bewonersavond inspraak" not in feed.text
    forged = await site.client.get(
        "/agenda.ics", params={"sleutel": "someone.0123456789abcdef", "wijk": "WK051836"}
    )
    assert forged.status_code == 404


async def test_dutch_first_and_english_on_request(site: Offline) -> None:
    await sign_in(site.client, "opbouw")
    dutch = (await site.client.get("/vandaag")).text
    assert '<html lang="nl">' in dutch
    assert "<h1>Vandaag</h1>" in dutch
    await site.client.get("/taal/en", params={"terug": "/vandaag"})
    english = (await site.client.get("/vandaag")).text
    assert '<html lang="en">' in english
    assert "<h1>Today</h1>" in english


async def test_a_draft_missing_fields_is_answered_naming_each_field(site: Offline) -> None:
    await sign_in(site.client, "opbouw")
    token = csrf_of((await site.client.get("/concepten")).text)
    response = await site.client.post(
        "/concepten",
        data={
            "csrf_token": token,
            "kind": "consultation",
            "date": "2030-03-05",
            "start": "20:00",
            "end": "19:00",
        },
    )
    assert response.status_code == 422
    assert 'id="error-title"' in response.text
    assert 'id="error-neighbourhoods"' in response.text
    assert 'id="error-end"' in response.text


async def test_the_live_feed_hands_each_change_to_open_pages_and_resumes_after_a_reconnect(
    site: Offline,
) -> None:
    feed: LiveFeed = site.dashboard.web.live
    await feed.start()
    try:
        async with site.dashboard.runtime.database.sessions() as session:
            from dashboard.service.accounts import person_of

            person = person_of(
                await session.scalar(select(AccountRow).where(AccountRow.username == "beheer"))
            )
        stream = feed.stream(person, "nl", None)
        assert await anext(stream) == "retry: 2000\n\n"
        waiting = asyncio.ensure_future(anext(stream))
        model = ReadModel(on_changed=feed.wake)
        first = detected(("staedion", "a"), ("haag-wonen", "b"))
        async with site.dashboard.runtime.database.unit_of_work(SqlDashboardUnitOfWork) as unit:
            await model.apply(unit, first)
        frame = await asyncio.wait_for(waiting, timeout=5)
        assert "event: conflict" in frame
        assert conflict_id_of(first) in frame
        assert "Nieuw conflict: Tegelijk in dezelfde buurt, hoog." in frame
        number = int(re.search(r"^id: (\d+)$", frame, re.MULTILINE).group(1))  # type: ignore[union-attr]
        await stream.aclose()
        second = detected(("staedion", "c"), ("haag-wonen", "d"))
        async with site.dashboard.runtime.database.unit_of_work(SqlDashboardUnitOfWork) as unit:
            await model.apply(unit, second)
        resumed = feed.stream(person, "en", number)
        assert await anext(resumed) == "retry: 2000\n\n"
        missed = await asyncio.wait_for(anext(resumed), timeout=5)
        assert conflict_id_of(second) in missed
        assert conflict_id_of(first) not in missed
        assert "New conflict" in missed
        await resumed.aclose()
    finally:
        await feed.stop()


async def test_a_coordinator_cannot_open_another_centres_budget(site: Offline) -> None:
    await sign_in(site.client, "coord-moerwijk")
    refused = await site.client.get("/centra/wijkcentrum-bouwlust")
    assert refused.status_code == 403  # refused before asking: a call would have answered 503
    assert "Niet voor u" in refused.text
    own = await site.client.get("/centra/wijkcentrum-moerwijk")
    assert own.status_code == 503  # the own centre is asked for (and the centres service is down here)


def test_the_centres_service_hears_for_whom_the_dashboard_asks() -> None:
    from dashboard.api.centres import acting_for
    from dashboard.domain import Person, Role

    coordinator = Person("1", "c", "C", Role.COORDINATOR, "allekanten")
    assert acting_for(coordinator) == {"X-Acting-Role": "coordinator", "X-Acting-Centre": "allekanten"}
    assert acting_for(Person("2", "o", "O", Role.OPERATIONS, None)) == {"X-Acting-Role": "staff"}


async def test_charts_count_conflicts_per_week_and_evenings_per_wijk(site: Offline) -> None:
    from datetime import UTC, datetime, timedelta

    evening = (datetime.now(UTC) + timedelta(days=10)).replace(hour=18, minute=0, second=0, microsecond=0)
    first = detected(("staedion", "a"), ("haag-wonen", "b"), start=evening)
    await site.apply(
        upserted("staedion", "a", start=evening),
        upserted("haag-wonen", "b", start=evening + timedelta(minutes=30)),
        upserted("hof-wonen", "ochtend", start=evening.replace(hour=8)),
        first,
    )
    await sign_in(site.client, "opbouw")
    page = (await site.client.get("/grafieken")).text
    week = evening.strftime("%G-W%V")
    conflicts_table = page[page.index("conflicts-heading") : page.index("evenings-heading")]
    assert f'<th scope="row">{week}</th>' in conflicts_table
    assert '<td class="numeric">1</td>' in conflicts_table
    evenings_table = page[page.index("evenings-heading") :]
    month = evening.strftime("%Y-%m")
    row = evenings_table[evenings_table.index(f'<th scope="row">{month}</th>') :].split("</tr>")[0]
    assert '<td class="numeric">2</td>' in row  # two evenings in Moerwijk, the morning one not counted
    assert "De initiatievendienst antwoordt niet" in page  # the other charts stay readable without it
    assert "<title>Grafieken · Werkplaats Participatie</title>" in page
    assert page.count('id="contact-heading"') == 1
