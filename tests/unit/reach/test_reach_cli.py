"""``werkplaats reach``: reports are checked against the service's database before they are staged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from reach.cli import register


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("REACH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'reach.db'}")
    made = typer.Typer()
    register(made)
    register(made)  # once is enough
    return made


def test_a_report_of_an_activity_the_agenda_does_not_show_is_refused(app: typer.Typer) -> None:
    result = CliRunner().invoke(
        app,
        ["reach", "report", "avond", "--org", "staedion", "--occurrence", "2026-03-03T19:30:00+01:00",
         "--attendance", "12", "--method", "flyer"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "staedion has no activity 'avond' on the agenda" in result.output


def test_contact_details_are_refused_naming_the_field(app: typer.Typer) -> None:
    result = CliRunner().invoke(
        app,
        ["reach", "report", "avond", "--org", "staedion", "--occurrence", "2026-03-03T19:30:00+01:00",
         "--attendance", "12", "--summary", "bel 06-12345678"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "input_summary" in result.output
    assert "phone number" in result.output


def test_figures_of_no_reports_show_only_the_count(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["reach", "figures", "--wijk", "WK051836"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["overall"] == {**figures["overall"], "reports": 0, "shown": False}
