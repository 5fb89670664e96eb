"""The view-load benchmark runs at a tiny size and measures what it says."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest

from benchmarks import view_load
from scheduling.domain import Agenda


def test_the_command_prints_one_row_for_the_records_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["view_load", "--records", "30"])
    view_load.main()
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 30 |")]
    assert len(rows) == 1


def test_keyed_records_are_kept_and_unkeyed_ones_applied_on_the_event_path() -> None:

    batch = view_load.records(20, datetime.now(UTC))
    following, at_once = view_load.new_view(Agenda), view_load.new_view(Agenda)
    view_load.apply_seconds(following, batch)
    view_load.apply_seconds(at_once, view_load.unkeyed(batch))
    assert following.size == 20
    assert following.entries.keys() == at_once.entries.keys()


def test_a_history_of_several_versions_holds_each_activity_once_as_its_last_version() -> None:
    history = view_load.records(15, datetime.now(UTC), versions=3)
    last = {record.key: record.value for record in history}
    loaded = view_load.new_view(Agenda)
    view_load.apply_seconds(loaded, history)

    assert len(history) == 45
    assert len(last) == 15
    assert len(loaded.entries) == 15
    assert loaded.entries == _applied(view_load.unkeyed(history))


def test_the_command_with_versions_prints_the_load_of_that_history(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["view_load", "--records", "20", "--versions", "2"])
    view_load.main()
    out = capsys.readouterr().out
    assert "--versions 2" in out
    assert len([line for line in out.splitlines() if line.startswith("| 40 | 20 |")]) == 1


def _applied(records: list[object]) -> dict[object, object]:
    view = view_load.new_view(Agenda)
    view_load.apply_seconds(view, records)
    return dict(view.entries)
