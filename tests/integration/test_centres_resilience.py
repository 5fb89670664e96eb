"""The centres service killed mid-burst of payments and retried: no payment, warning or reminder twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from centres_support import centre_body, events_of
from contracts import OrganisationRole
from contracts.topics import CENTRES_EVENTS
from support.testing import read_topic, wait_for
from test_notifications_support import free_port
from werkplaats.organisations import add_organisation

VOLUNTEERS = 30


def start(
    bootstrap: str, database_url: str, port: int, key: str, data_dir: Path, log: Path
) -> subprocess.Popen[bytes]:
    environment = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CENTRES_DATABASE_URL": database_url,
        "CENTRES_HTTP_PORT": str(port),
        "CENTRES_DATA_KEYS": key,
        "CENTRES_TICK_S": "0.2",
        "WERKPLAATS_DATA_DIR": str(data_dir),
        "WERKPLAATS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "werkplaats", "run", "centres"]
    return subprocess.Popen(command, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def answers(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    try:
        return (await client.get("/v1/centres", headers=headers)).status_code == 200
    except httpx.HTTPError:
        return False


async def test_killed_while_paying_and_retried_each_payment_warning_and_reminder_is_published_once(
    kafka_bootstrap: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    operations = await add_organisation(
        kafka_bootstrap, unique("ops"), name="Werkplaats", role=OrganisationRole.OPERATIONS
    )
    staff = {"Authorization": f"Bearer {operations.secret}"}
    port, key, log = free_port(), Fernet.generate_key().decode(), tmp_path / "centres.log"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'centres.db'}"
    process = start(kafka_bootstrap, database_url, port, key, tmp_path, log)
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
    centre_id = unique("c")
    try:
        await wait_for(lambda: answers(client, staff), timeout=120, interval=0.3)
        assert (
            await client.put(f"/v1/centres/{centre_id}", json=centre_body(unique("w")), headers=staff)
        ).status_code == 200
        deadline = (date.today() + timedelta(days=5)).isoformat()
        application = {
            "regulation": "Samen sociaal en vitaal",
            "amount_requested": "1500.00",
            "deadline": deadline,
        }
        assert (
            await client.put(
                f"/v1/centres/{centre_id}/subsidies/{centre_id}-s", json=application, headers=staff
            )
        ).status_code == 200
        payments = await _volunteers_with_hours(client, staff, centre_id)

        async def pay(volunteer_id: str, body: dict[str, Any]) -> int | None:
            try:
                response = await client.put(
                    f"/v1/volunteers/{volunteer_id}/payments/{volunteer_id}-pay", json=body, headers=staff
                )
            except httpx.HTTPError:
                return None
            return response.status_code

        burst = [asyncio.create_task(pay(v, body)) for v, body in payments.items()]
        await wait_for(lambda: sum(task.done() for task in burst) >= 3, timeout=60, interval=0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        first = await asyncio.gather(*burst)
        process = start(kafka_bootstrap, database_url, port, key, tmp_path, log)
        await wait_for(lambda: answers(client, staff), timeout=120, interval=0.3)
        for _ in range(2):  # the client retries every payment whose outcome it may not know, twice
            assert set(await asyncio.gather(*(pay(v, body) for v, body in payments.items()))) == {200}
        volunteer_ids = set(payments)

        async def settled() -> bool:
            paid = await _event_ids(kafka_bootstrap, volunteer_ids, "allowance.paid")
            return len(paid) == VOLUNTEERS

        await wait_for(settled, timeout=120, interval=0.5)
        await wait_for(lambda: _reminded(kafka_bootstrap, centre_id), timeout=60, interval=0.5)
        await asyncio.sleep(1.0)  # a second publication, if there were one, would be on its way by now
        paid = await _event_ids(kafka_bootstrap, volunteer_ids, "allowance.paid")
        warned = await _event_ids(kafka_bootstrap, volunteer_ids, "allowance.cap_warning")
        reminders = [
            e
            for e in await events_of(kafka_bootstrap, centre_id)
            if e["type"] == "subsidy.deadline_approaching"
        ]
    finally:
        process.terminate()
        process.wait(timeout=30)
        await client.aclose()
    assert None in first, "the kill came after every payment was answered"
    print(f"answered before the kill: {first.count(200)} of {VOLUNTEERS}")
    assert all(len(ids) == 1 for ids in paid.values()), "a payment was published twice"
    assert len(warned) == VOLUNTEERS
    assert all(len(ids) == 1 for ids in warned.values()), "a warning was published twice"
    assert len({e["event_id"] for e in reminders}) == 1, "a reminder was published twice"


async def _volunteers_with_hours(
    client: httpx.AsyncClient, staff: dict[str, str], centre_id: str
) -> dict[str, dict[str, Any]]:
    payments = {}
    month = date.today().replace(day=1)
    for _ in range(VOLUNTEERS):
        body = {"centre_id": centre_id, "name": "Demo", "birth_date": "1980-01-01"}
        volunteer_id = (await client.post("/v1/volunteers", json=body, headers=staff)).json()["id"]
        entries = []
        for day in range(4):
            entry = f"{volunteer_id}-{day}"
            hours = {
                "centre_id": centre_id,
                "worked_on": (month + timedelta(days=day)).isoformat(),
                "hours": "10",
            }
            assert (
                await client.put(f"/v1/volunteers/{volunteer_id}/hours/{entry}", json=hours, headers=staff)
            ).status_code == 204
            entries.append(entry)
        payments[volunteer_id] = {
            "centre_id": centre_id,
            "route": "allowance",
            "amount": "200.00",
            "entry_ids": entries,
        }
    return payments


async def _event_ids(bootstrap: str, volunteer_ids: set[str], event_type: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for record in await read_topic(bootstrap, CENTRES_EVENTS, timeout=30):
        if record.key is None or record.key.decode() not in volunteer_ids:
            continue
        event = json.loads(record.value)
        if event["type"] == event_type:
            data = event["data"]
            found[f"{record.key.decode()}:{data.get('payment_id') or data.get('cap')}"].add(event["event_id"])
    return found


async def _reminded(bootstrap: str, centre_id: str) -> bool:
    return any(e["type"] == "subsidy.deadline_approaching" for e in await events_of(bootstrap, centre_id))
