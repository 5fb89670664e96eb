"""The agenda: incremental detection with a diff, dry runs and deterministic ids."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from scheduling_factories import MOERWIJK_WEST, NOW, activity, agenda, at

from contracts import ActivityKind, ConflictRule, TargetGroup


def ids(conflicts: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(c.conflict_id for c in conflicts)


def test_publishing_reports_the_conflicts_detected() -> None:
    target = agenda(activity("a", at(12, 8, 19)))
    changes = target.upsert(activity("b", at(12, 8, 20)), NOW)
    assert [c.rule for c in changes.detected] == [ConflictRule.NEIGHBOURHOOD_OVERLAP]
    assert changes.resolved == []
    assert changes.changed == []


def test_republishing_an_unchanged_activity_yields_an_empty_diff() -> None:
    b = activity("b", at(12, 8, 20))
    target = agenda(activity("a", at(12, 8, 19)), b)
    assert not target.upsert(b, NOW)


def test_an_update_that_keeps_the_occurrences_keeps_the_conflict() -> None:
    b = activity("b", at(12, 8, 20))
    target = agenda(activity("a", at(12, 8, 19)), b)
    before = target.open_conflicts()
    changes = target.upsert(replace(b, target_groups=frozenset({TargetGroup.YOUTH})), NOW)
    assert changes.detected == []
    assert changes.resolved == []
    assert target.open_conflicts().keys() == before.keys()


def test_an_update_that_changes_a_member_reports_it_as_changed() -> None:
    b = activity("b", at(12, 8, 20))
    target = agenda(activity("a", at(12, 8, 19)), b)
    changes = target.upsert(replace(b, kind=ActivityKind.WORKSHOP), NOW)
    assert [c.conflict_id for c in changes.changed] == list(target.open_conflicts())


def test_moving_an_activity_away_resolves_its_conflict() -> None:
    b = activity("b", at(12, 8, 20))
    target = agenda(activity("a", at(12, 8, 19)), b)
    opened = list(target.open_conflicts().values())
    changes = target.upsert(replace(b, neighbourhoods=(MOERWIJK_WEST,)), NOW)
    assert changes.resolved == opened
    assert changes.detected == []
    assert target.open_conflicts() == {}


def test_withdrawing_resolves_every_conflict_of_the_activity() -> None:
    target = agenda(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 20)), activity("c", at(12, 8, 17)))
    changes = target.withdraw(("staedion", "b"))
    assert {c.rule for c in changes.resolved} == {
        ConflictRule.NEIGHBOURHOOD_OVERLAP,
        ConflictRule.SAME_EVENING,
    }
    assert [c.rule for c in target.open_conflicts().values()] == [ConflictRule.SAME_EVENING]
    assert not target.withdraw(("staedion", "b"))


def test_overload_is_recounted_for_the_weeks_of_the_old_and_the_new_version() -> None:
    days = [activity(f"e{d}", at(12, 7 + d, 14), hours=1) for d in range(4)]
    target = agenda(*days)
    (overload,) = target.open_conflicts().values()
    moved = target.upsert(replace(days[0], starts_at=at(12, 21, 14), ends_at=at(12, 21, 15)), NOW)
    assert moved.resolved == [overload]
    assert moved.detected == []
    back = target.upsert(days[0], NOW)
    assert [c.conflict_id for c in back.detected] == [overload.conflict_id]


def test_a_fifth_occurrence_changes_the_overload_without_a_new_detection() -> None:
    target = agenda(*[activity(f"e{d}", at(12, 7 + d, 14), hours=1) for d in range(4)])
    changes = target.upsert(activity("e5", at(12, 12, 10), hours=1), NOW)
    assert changes.detected == []
    assert len(changes.changed) == 1
    assert len(changes.changed[0].members) == 5


def test_check_is_a_dry_run_returning_exactly_the_conflicts_the_draft_would_cause() -> None:
    target = agenda(
        *[activity(f"e{d}", at(12, 7 + d, 14), hours=1) for d in range(3)], activity("a", at(12, 8, 19))
    )
    before = target.open_conflicts()
    draft = activity("d", at(12, 8, 20))
    found = target.check(draft, NOW)
    assert target.open_conflicts() == before
    assert len(target) == 4
    target.upsert(draft, NOW)
    assert found == sorted(
        (c for c in target.open_conflicts().values() if c.involves(draft.key)), key=lambda c: c.conflict_id
    )
    assert {c.rule for c in found} == {ConflictRule.NEIGHBOURHOOD_OVERLAP, ConflictRule.TARGET_GROUP_OVERLOAD}


def test_check_of_a_published_activity_replaces_its_old_version() -> None:
    a = activity("a", at(12, 8, 19))
    target = agenda(a, activity("b", at(12, 8, 20)))
    assert target.check(replace(a, starts_at=at(12, 9, 19), ends_at=at(12, 9, 21)), NOW) == []


def test_conflict_ids_are_the_same_in_another_process() -> None:
    target = agenda(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 20)))
    here = ids(list(target.open_conflicts().values()))
    folder = Path(__file__).parent
    script = (
        "import sys; sys.path[:0] = [sys.argv[1]]\n"
        "from scheduling_factories import *\n"
        "t = agenda(activity('a', at(12, 8, 19)), activity('b', at(12, 8, 20)))\n"
        "print(sorted(t.open_conflicts()))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.strip() == str(here)
    assert here[0].startswith("nbo-")


def test_the_publish_sequence_tells_which_activity_came_last() -> None:
    target = agenda(activity("a", at(12, 8, 19)), activity("b", at(12, 8, 20)))
    first, second = target.get(("staedion", "a")), target.get(("staedion", "b"))
    assert first is not None
    assert second is not None
    assert first.sequence < second.sequence
