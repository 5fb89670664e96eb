"""Plain statistics of reports: turnout against expectation, and the methods that go with turnout.

Every figure carries the number of reports it rests on; below the minimum only that number is given.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from contracts import ActivityKind, ReachMethod, TargetGroup, TimeOfDay
from reach.domain.activities import AMSTERDAM

Z_95 = 1.959963984540054


class Season(StrEnum):
    """Meteorological seasons: winter is December to February."""

    WINTER = "winter"
    SPRING = "spring"
    SUMMER = "summer"
    AUTUMN = "autumn"


def season_of(moment: datetime) -> Season:
    """The season of a moment in Europe/Amsterdam."""
    month = moment.astimezone(AMSTERDAM).month
    return (Season.WINTER, Season.SPRING, Season.SUMMER, Season.AUTUMN)[month % 12 // 3]


@dataclass(frozen=True)
class Observation:
    """One accepted report with what the agenda says about its activity."""

    organisation: str
    activity_id: str
    title: str
    occurrence_start: datetime
    kind: ActivityKind
    wijken: tuple[str, ...]
    target_groups: tuple[TargetGroup, ...]
    attendance: int
    expected_attendance: int | None
    methods: frozenset[ReachMethod]
    attendee_languages: tuple[str, ...] = ()
    time_of_day: TimeOfDay = TimeOfDay.EVENING

    @property
    def season(self) -> Season:
        """The season it took place in."""
        return season_of(self.occurrence_start)

    @property
    def ratio(self) -> float | None:
        """Attendance over expected attendance, when something was expected."""
        if not self.expected_attendance:
            return None
        return self.attendance / self.expected_attendance


@dataclass(frozen=True)
class Selection:
    """Which reports a figure is about; None means any."""

    wijk: str | None = None
    target_group: TargetGroup | None = None
    kind: ActivityKind | None = None
    season: Season | None = None

    def matches(self, observation: Observation) -> bool:
        """Whether the report falls in this selection."""
        return (
            (self.wijk is None or self.wijk in observation.wijken)
            and (self.target_group is None or self.target_group in observation.target_groups)
            and (self.kind is None or self.kind == observation.kind)
            and (self.season is None or self.season == observation.season)
        )


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default)."""
    if trials == 0:
        raise ValueError("no trials")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Turnout:
    """Attendance over a set of reports; the figures are None when there are fewer than the minimum."""

    reports: int
    shown: bool
    mean_attendance: float | None = None
    median_attendance: float | None = None
    with_expectation: int = 0
    turnout_ratio: float | None = None
    reached_expected: int | None = None
    reached_share: float | None = None
    reached_low: float | None = None
    reached_high: float | None = None


def turnout(observations: Sequence[Observation], minimum: int) -> Turnout:
    """Mean and median attendance, attendance over expectation (ratio of sums) and the share reaching it."""
    if len(observations) < minimum or not observations:
        return Turnout(reports=len(observations), shown=False)
    attendances = [o.attendance for o in observations]
    expected = [o for o in observations if o.expected_attendance]
    result = Turnout(
        reports=len(observations),
        shown=True,
        mean_attendance=statistics.fmean(attendances),
        median_attendance=float(statistics.median(attendances)),
        with_expectation=len(expected),
    )
    if not expected:
        return result
    reached = sum(1 for o in expected if o.attendance >= (o.expected_attendance or 0))
    low, high = wilson_interval(reached, len(expected))
    return Turnout(
        **{
            **result.__dict__,
            "turnout_ratio": sum(o.attendance for o in expected)
            / sum(o.expected_attendance or 0 for o in expected),
            "reached_expected": reached,
            "reached_share": reached / len(expected),
            "reached_low": low,
            "reached_high": high,
        }
    )


@dataclass(frozen=True)
class MethodFigure:
    """Turnout where a method was used, beside turnout where it was not."""

    method: ReachMethod
    used: Turnout
    not_used: Turnout

    @property
    def shown(self) -> bool:
        """Whether enough reports used the method to say anything."""
        return self.used.shown


@dataclass(frozen=True)
class Figures:
    """Everything the reports of one selection say."""

    selection: Selection
    minimum_reports: int
    overall: Turnout
    methods: list[MethodFigure] = field(default_factory=list)


def figures(observations: Iterable[Observation], selection: Selection, minimum: int) -> Figures:
    """The figures of the reports in ``selection``; methods in fewer than ``minimum`` reports are left out."""
    chosen = [o for o in observations if selection.matches(o)]
    methods = []
    for method in sorted({m for o in chosen for m in o.methods}):
        used = [o for o in chosen if method in o.methods]
        not_used = [o for o in chosen if method not in o.methods]
        figure = MethodFigure(method, turnout(used, minimum), turnout(not_used, minimum))
        if figure.shown:
            methods.append(figure)
    methods.sort(key=lambda f: (-(f.used.turnout_ratio or -1.0), -f.used.reports, f.method.value))
    return Figures(selection, minimum, turnout(chosen, minimum), methods)
