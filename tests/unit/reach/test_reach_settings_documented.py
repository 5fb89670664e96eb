"""Every setting of the reach service is in the operations guide."""

from __future__ import annotations

from pathlib import Path

from reach.settings import ReachSettings
from werkplaats.settings import ServiceSettings

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def test_the_operations_guide_names_every_reach_setting() -> None:
    text = GUIDE.read_text()
    own = set(ReachSettings.model_fields) - set(ServiceSettings.model_fields)
    for name in sorted(own | {"database_url", "http_port", "consumer_group"}):
        assert f"`REACH_{name.upper()}`" in text, f"REACH_{name.upper()} is not documented"
