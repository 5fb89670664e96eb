"""Reach advice for one wijk, target group and kind, built from the reports that match it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from contracts import (
    ActivityKind,
    AdviceUpdated,
    TargetGroup,
)
from contracts.reach import AdviceExample, LanguageAdvice, MethodAdvice
from reach.domain.figures import Observation, Selection, figures

MAX_EXAMPLES = 3


def advice_key(wijk: str, group: TargetGroup, kind: ActivityKind) -> str:
    """The ``reach.advice`` record key."""
    return f"{wijk}/{group.value}/{kind.value}"


def keys_of(observation: Observation) -> set[tuple[str, TargetGroup, ActivityKind]]:
    """Every (wijk, group, kind) whose advice a report feeds."""
    return {(w, g, observation.kind) for w in observation.wijken for g in observation.target_groups}


def advise(
    observations: Iterable[Observation], wijk: str, group: TargetGroup, kind: ActivityKind, minimum: int
) -> AdviceUpdated:
    """The advice for (wijk, group, kind): figures when enough reports agree, examples to ask about always."""
    selection = Selection(wijk=wijk, target_group=group, kind=kind)
    chosen = [o for o in observations if selection.matches(o)]
    found = figures(chosen, selection, minimum)
    sufficient = found.overall.shown
    languages = Counter(language for o in chosen for language in o.attendee_languages)
    return AdviceUpdated(
        wijk=wijk,
        target_group=group,
        kind=kind,
        reports=len(chosen),
        minimum_reports=minimum,
        sufficient=sufficient,
        turnout_ratio=_rounded(found.overall.turnout_ratio),
        methods=[
            MethodAdvice(
                method=f.method,
                reports=f.used.reports,
                turnout_ratio=_rounded(f.used.turnout_ratio),
                reached_expected_share=_rounded(f.used.reached_share),
                reached_expected_low=_rounded(f.used.reached_low),
                reached_expected_high=_rounded(f.used.reached_high),
            )
            for f in found.methods
        ],
        languages=[
            LanguageAdvice(language=language, reports=count)
            for language, count in sorted(languages.items(), key=lambda item: (-item[1], item[0]))
        ]
        if sufficient
        else [],
        examples=[_example(o) for o in _best(chosen)],
    )


def _best(chosen: list[Observation]) -> list[Observation]:
    ranked = sorted(
        chosen,
        key=lambda o: (
            -(o.ratio if o.ratio is not None else 0.0),
            -o.attendance,
            -o.occurrence_start.timestamp(),
        ),
    )
    return ranked[:MAX_EXAMPLES]


def _example(observation: Observation) -> AdviceExample:
    return AdviceExample(
        organisation=observation.organisation,
        activity_id=observation.activity_id,
        title=observation.title,
        occurrence_start=observation.occurrence_start,
        attendance=observation.attendance,
        expected_attendance=observation.expected_attendance,
        reach_methods=sorted(observation.methods),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
