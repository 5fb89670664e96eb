"""Logs carry service and event identity and never secrets; settings come from the environment."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import structlog

from werkplaats import logging as werkplaats_logging
from werkplaats.logging import configure_logging
from werkplaats.settings import ServiceSettings


def test_log_lines_are_json_with_service_and_bound_event(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("scheduling")
    with structlog.contextvars.bound_contextvars(event_id="e-1", correlation_id="c-1"):
        structlog.get_logger("t").info("activity_stored", activity_id="a")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["service"] == "scheduling"
    assert line["event_id"] == "e-1"
    assert line["correlation_id"] == "c-1"
    assert line["event"] == "activity_stored"


def test_secrets_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("scheduling")
    structlog.get_logger("t").info("key_created", api_key="wp_live_123", sasl_password="hunter2")
    logging.getLogger("stdlib").warning("plain %s", "message")
    output = capsys.readouterr().out
    assert "wp_live_123" not in output
    assert "hunter2" not in output
    assert "plain message" in output


def test_settings_are_read_when_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class SchedulingSettings(ServiceSettings):
        model_config = {"env_prefix": "SCHEDULING_"}

    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:9092")
    monkeypatch.setenv("WERKPLAATS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCHEDULING_HTTP_PORT", "8123")
    settings = SchedulingSettings()
    assert settings.kafka_bootstrap_servers == "broker:9092"
    assert settings.http_port == 8123
    assert settings.sqlite_url("scheduling") == f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}"


def test_a_line_below_the_level_runs_none_of_the_chain(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []

    def spy(logger: object, method: str, event_dict: dict[str, object]) -> dict[str, object]:
        seen.append(str(event_dict["event"]))
        return event_dict

    monkeypatch.setattr(werkplaats_logging, "mask_secrets", spy)
    configure_logging("scheduling", level="WARNING")
    log = structlog.get_logger("t")
    log.info("activity_published", activity_id="a")
    log.warning("infrastructure_unavailable", attempt=1)
    assert seen == ["infrastructure_unavailable"]
    assert "activity_published" not in capsys.readouterr().out
