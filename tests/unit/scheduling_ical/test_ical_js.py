"""A second, independent reader: Mozilla's ical.js expands the exported feed to the same occurrences.

ical.js is installed in ``tests/js`` by ``scripts/bootstrap.sh`` (``npm ci``); Node.js runs it.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from contracts import ActivityKind, ActivityPublished
from scheduling.domain import AMSTERDAM, Activity, expand
from scheduling.ical import FeedMapping, calendar_of, read_calendar, uid_of
from support.calendars import FILES, raw

SCRIPT = Path(__file__).parents[2] / "js" / "occurrences.mjs"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
HORIZON = timedelta(days=365)
MAPPING = FeedMapping(kind=ActivityKind.CONSULTATION, neighbourhoods=["WK051836"], target_groups=["tenants"])


def ical_js(feed: bytes) -> dict[str, list[list[str]]]:
    """Each UID's occurrences as ical.js expands them between NOW and NOW + HORIZON."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed (scripts/bootstrap.sh installs it)"
    window = [NOW.isoformat(), (NOW + HORIZON).isoformat()]
    done = subprocess.run(
        [node, str(SCRIPT), *window], input=feed, capture_output=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    found: dict[str, list[list[str]]] = json.loads(done.stdout)
    return found


def ours(activities: list[ActivityPublished]) -> dict[str, list[list[str]]]:
    """The same, as the scheduler expands them."""
    found = {}
    for published in activities:
        spans = expand(Activity.from_published("org", published), NOW, HORIZON)
        found[uid_of("org", published.activity_id)] = sorted(
            [_iso(o.starts_at), _iso(o.ends_at)] for o in spans
        )
    return found


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_ical_js_reads_the_exported_real_calendars_with_the_same_occurrences() -> None:
    activities = [a for name in FILES for a in read_calendar(raw(name), MAPPING).activities]
    feed = calendar_of([("org", a) for a in activities], name="agenda")

    assert ical_js(feed) == ours(activities)


def test_ical_js_agrees_on_random_series_with_exceptions_across_dst() -> None:
    rng = random.Random(15)
    activities = [_random_series(rng, number) for number in range(60)]
    feed = calendar_of([("org", a) for a in activities], name="agenda")

    expected = ours(activities)
    assert sum(len(spans) for spans in expected.values()) > 300
    assert ical_js(feed) == expected


def _random_series(rng: random.Random, number: int) -> ActivityPublished:
    """A weekly or daily series around a DST change, with some cancelled, moved and extra occurrences."""
    first = date(2027, rng.choice([3, 10]), rng.randint(1, 28))
    start = datetime.combine(first, time(rng.choice([9, 14, 19, 20]), rng.choice([0, 30])), tzinfo=AMSTERDAM)
    rule = rng.choice(
        ["FREQ=DAILY;INTERVAL=3;COUNT=12", "FREQ=WEEKLY;COUNT=10", "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=9"]
    )
    fields = {
        "activity_id": f"series-{number}",
        "title": f"Reeks {number}",
        "kind": "consultation",
        "starts_at": start,
        "ends_at": start + timedelta(minutes=rng.choice([60, 90, 150])),
        "recurrence": rule,
        "neighbourhoods": ["WK051836"],
        "target_groups": ["tenants"],
    }
    scheduled = [
        o.starts_at for o in expand(Activity.from_published("org", ActivityPublished(**fields)), NOW)
    ]
    chosen = rng.sample(scheduled, k=min(len(scheduled), 4))
    cancelled, moved = chosen[:2], chosen[2:]
    fields["exdates"] = cancelled
    fields["overrides"] = []
    for original in moved:
        new_start = original + timedelta(days=1, hours=rng.choice([-2, 1]))
        new_end = new_start + timedelta(minutes=rng.choice([45, 120]))
        fields["overrides"].append({"occurrence_start": original, "starts_at": new_start, "ends_at": new_end})
    fields["rdates"] = [start + timedelta(days=rng.randint(40, 60), hours=rng.choice([0, -1]))]
    return ActivityPublished.model_validate(fields)
