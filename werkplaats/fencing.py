"""A warning naming the instance id when a static group member is put out of its group.

Two live processes with one instance id take each other's place in the group in turn: each heartbeat of
the one replaced fails with "member_id was not recognized", it joins again and replaces the other.
aiokafka logs each failure without the id or the likely cause; ``consumer_fenced`` adds both.
"""

from __future__ import annotations

import logging

import structlog

log = structlog.get_logger(__name__)

COORDINATOR_LOGGER = "aiokafka.consumer.group_coordinator"
NOT_RECOGNIZED = "member_id was not recognized"
LIKELY_CAUSE = (
    "another live process uses this instance id (each needs its own), "
    "or this one was silent longer than the session timeout"
)


class FencedWarning(logging.Filter):
    """Lets every record through; after aiokafka's "not recognized" heartbeat, warns ``consumer_fenced``."""

    def __init__(self, instance_id: str) -> None:
        super().__init__()
        self.instance_id = instance_id

    def filter(self, record: logging.LogRecord) -> bool:
        """Warn if ``record`` is aiokafka's "member_id was not recognized"; keep it either way."""
        if NOT_RECOGNIZED in record.getMessage():
            log.warning("consumer_fenced", instance_id=self.instance_id, likely_cause=LIKELY_CAUSE)
        return True


def watch(instance_id: str) -> FencedWarning:
    """Warn ``consumer_fenced`` whenever one of this process's group members is not recognized."""
    warning = FencedWarning(instance_id)
    logging.getLogger(COORDINATOR_LOGGER).addFilter(warning)
    return warning


def unwatch(warning: FencedWarning) -> None:
    """Stop the warnings of ``watch``."""
    logging.getLogger(COORDINATOR_LOGGER).removeFilter(warning)
