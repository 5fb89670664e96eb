"""Telling a partner why its message was not accepted, on ``partner.<org>.feedback``."""

from __future__ import annotations

from werkplaats import feedback
from werkplaats.deadletter import Delivery

SERVICE = "scheduling"


def rejection(delivery: Delivery, error: Exception) -> tuple[str, bytes, bytes | None] | None:
    """The feedback topic, message and key for a rejected partner message; None off partner topics."""
    return feedback.rejection(delivery, error, source=SERVICE)
