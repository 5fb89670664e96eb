"""The pure rules of reach knowledge: activities and occurrences, report checks, due dates, figures, advice.

No I/O: time and data come in as arguments.
"""

from reach.domain.activities import AMSTERDAM, Occurrence, PlannedActivity, utc_key, wijk_of
from reach.domain.advice import advice_key, advise, keys_of
from reach.domain.figures import (
    Figures,
    MethodFigure,
    Observation,
    Season,
    Selection,
    Turnout,
    figures,
    season_of,
    turnout,
    wilson_interval,
)
from reach.domain.reports import (
    Refusal,
    observation,
    promise_overdue,
    refusal_of,
    reports_due,
    time_of_day,
)

__all__ = [
    "AMSTERDAM",
    "Figures",
    "MethodFigure",
    "Observation",
    "Occurrence",
    "PlannedActivity",
    "Refusal",
    "Season",
    "Selection",
    "Turnout",
    "advice_key",
    "advise",
    "figures",
    "keys_of",
    "observation",
    "promise_overdue",
    "refusal_of",
    "reports_due",
    "season_of",
    "time_of_day",
    "turnout",
    "utc_key",
    "wijk_of",
    "wilson_interval",
]
