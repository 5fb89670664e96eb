"""Prometheus metrics of one service, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """The counters every service exposes on ``/metrics``."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.consumed = Counter(
            "werkplaats_messages_total",
            "Messages consumed, by consumer, topic and outcome (processed, duplicate, dead_lettered).",
            ["consumer", "topic", "outcome"],
            registry=self.registry,
        )
        self.retries = Counter(
            "werkplaats_retries_total",
            "Retries of message processing, by consumer and cause.",
            ["consumer", "cause"],
            registry=self.registry,
        )
        self.outbox_published = Counter(
            "werkplaats_outbox_published_total", "Outbox rows published to Kafka.", registry=self.registry
        )
        self.outbox_pending = Gauge(
            "werkplaats_outbox_pending", "Outbox rows waiting to be published.", registry=self.registry
        )
        self.outbox_parked = Gauge(
            "werkplaats_outbox_parked",
            "Outbox rows the broker kept refusing, parked until operations retry them.",
            registry=self.registry,
        )
        self.outbox_parked_total = Counter(
            "werkplaats_outbox_rows_parked_total",
            "Outbox rows parked since the start.",
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "werkplaats_batch_seconds",
            "Time to process one batch of messages, by consumer.",
            ["consumer"],
            registry=self.registry,
        )
        self.info = Gauge(
            "werkplaats_service_info",
            "Constant 1, labelled with the service.",
            ["service"],
            registry=self.registry,
        )
        self.info.labels(service).set(1)
