"""The reach advice the scheduler hands out with a dry run, followed from the compacted ``reach.advice``."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from aiokafka import ConsumerRecord

from contracts import ActivityPublished, AdviceUpdated, ContractError, decode_event
from contracts.topics import REACH_ADVICE
from scheduling.domain import wijk_of
from werkplaats.follower import TopicFollower
from werkplaats.kafka_security import Security

log = structlog.get_logger(__name__)


class ReachAdviceBook:
    """The latest advice per (wijk, target group, kind), kept current from ``reach.advice``."""

    def __init__(self, bootstrap_servers: str, *, security: Security = None) -> None:
        self._advice: dict[tuple[str, str, str], AdviceUpdated] = {}
        self._follower = TopicFollower(
            bootstrap_servers,
            REACH_ADVICE,
            self.apply,
            client_id="scheduling-reach-advice",
            security=security,
        )

    def for_draft(self, draft: ActivityPublished) -> list[AdviceUpdated]:
        """The advice for each wijk and target group of ``draft``, for its kind."""
        wijken = sorted({wijk_of(code) for code in draft.neighbourhoods})
        keys = [(wijk, group.value, draft.kind.value) for wijk in wijken for group in draft.target_groups]
        return [self._advice[key] for key in keys if key in self._advice]

    def apply(self, records: Iterable[ConsumerRecord[bytes, bytes]]) -> None:
        """Take in records of the topic; unreadable ones are logged and skipped."""
        for record in records:
            if record.value is None:
                continue
            try:
                event = decode_event(record.value, accept=frozenset({AdviceUpdated.event_type}))
            except ContractError as error:
                log.warning("reach_advice_skipped", offset=record.offset, reason=error.reason)
                continue
            assert isinstance(event.data, AdviceUpdated)
            advice = event.data
            self._advice[(advice.wijk, advice.target_group.value, advice.kind.value)] = advice

    async def start(self) -> None:
        """Read the topic to its end, then follow it."""
        await self._follower.start()

    async def stop(self) -> None:
        """Stop following."""
        await self._follower.stop()
