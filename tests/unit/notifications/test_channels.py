"""E-mail composition, webhook signatures and SSE frames."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest

from notifications.channels import email, rendering, sse, webhook
from notifications.notification import notification_of

PAYLOAD: dict[str, Any] = {
    "type": "conflict.detected",
    "follow_up": False,
    "conflict_id": "c-1",
    "correlation_id": "r-1",
    "decided_at": datetime(2026, 3, 2, tzinfo=UTC).isoformat(),
    "organisation_names": {"staedion": "Staedion"},
    "resolution": None,
    "conflict": {
        "rule": "neighbourhood_overlap",
        "severity": "high",
        "activities": [
            {"organisation": "staedion", "activity_id": "a1", "occurrence_start": "2026-03-24T19:30:00+01:00"}
        ],
        "explanation": {
            "nl": "Twee avonden overlappen — één moet verschuiven.",
            "en": "Two evenings overlap.",
        },
        "suggestions": ["2026-03-26T19:30:00+01:00"],
    },
}
CONFIG = email.SmtpConfig(host="localhost", port=25, sender="Werkplaats <noreply@werkplaats.local>")


def test_an_email_is_multipart_alternative_utf8_with_a_stable_message_id() -> None:
    notification = notification_of(PAYLOAD)
    mail = email.compose(
        "n-1", "ops@example.org", notification, config=CONFIG, dashboard_url="https://d.example"
    )
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in parsed.iter_parts())  # type: ignore[attr-defined]
    assert "één moet verschuiven" in text
    assert "één moet verschuiven" in html
    assert "24-03-2026 19:30" in text
    assert "https://d.example/conflicts/c-1" in html
    assert parsed["Message-ID"] == "<n-1@werkplaats.local>"
    assert parsed["To"] == "ops@example.org"


def test_a_signature_verifies_and_a_change_or_an_old_timestamp_does_not() -> None:
    body, now = b'{"a":1}', str(int(time.time()))
    headers = {webhook.TIMESTAMP: now, webhook.SIGNATURE: webhook.signature("k" * 16, now, body)}
    assert webhook.verify("k" * 16, headers, body)
    assert not webhook.verify("k" * 16, headers, b'{"a":2}')
    assert not webhook.verify("x" * 16, headers, body)
    assert not webhook.verify("k" * 16, headers, body, now=time.time() + 3600)


# A known answer, computed outside Python from the documented scheme:
#   printf '%s' '1767225600.{"conflict_id":"c-1","type":"conflict.detected"}' \
#     | openssl dgst -sha256 -hmac 'geheim-van-staedion-2026'
KNOWN_SECRET = "geheim-van-staedion-2026"
KNOWN_TIMESTAMP = "1767225600"
KNOWN_BODY = b'{"conflict_id":"c-1","type":"conflict.detected"}'
KNOWN_SIGNATURE = "sha256=77e31e4d578318caa78dc9e876dfd58a90180766f726464adecb584ea3943d55"


def test_a_signature_matches_the_documented_scheme_known_answer() -> None:
    assert webhook.signature(KNOWN_SECRET, KNOWN_TIMESTAMP, KNOWN_BODY) == KNOWN_SIGNATURE


def test_a_receiver_accepts_the_known_answer_with_any_header_case() -> None:
    headers = {"x-werkplaats-timestamp": KNOWN_TIMESTAMP, "X-WERKPLAATS-SIGNATURE": KNOWN_SIGNATURE}
    assert webhook.verify(KNOWN_SECRET, headers, KNOWN_BODY, now=float(KNOWN_TIMESTAMP) + 299)
    assert not webhook.verify(KNOWN_SECRET, headers, KNOWN_BODY, now=float(KNOWN_TIMESTAMP) + 301)
    assert not webhook.verify(KNOWN_SECRET, headers, KNOWN_BODY + b" ", now=float(KNOWN_TIMESTAMP))


def test_endpoints_ignore_the_query() -> None:
    assert webhook.endpoint_of("https://h.example:8443/hook?x=1") == "https://h.example:8443/hook"


def test_sse_frames_carry_the_number_and_resume_after_it() -> None:
    assert (
        sse.frame((7, "conflict.detected", {"a": 1})) == 'id: 7\nevent: conflict.detected\ndata: {"a":1}\n\n'
    )
    assert sse.resume_point("12") == 12
    assert sse.resume_point("junk") == 0
    assert sse.resume_point(None) == 0


DIGEST: dict[str, Any] = {
    "type": "digest",
    "follow_up": False,
    "conflict_id": None,
    "correlation_id": None,
    "day": "2026-03-02",
    "decided_at": datetime(2026, 3, 2, 7, tzinfo=UTC).isoformat(),
    "groups": [
        {
            "wijk": "WK051836",
            "severity": "high",
            "items": [
                {
                    "conflict_id": "c-1",
                    "activity": None,
                    "event_type": "conflict.detected",
                    "explanation_nl": "Twee avonden overlappen.",
                    "explanation_en": "Two evenings overlap.",
                    "starts_at": "2026-03-24T19:30:00+01:00",
                }
            ],
        }
    ],
}


def test_the_webhook_body_is_the_stored_notification_with_its_delivery_and_link() -> None:
    for stored in (PAYLOAD, DIGEST):
        body = rendering.webhook_body("n-1", notification_of(stored), "https://d.example")
        assert (
            body
            == {
                "delivery_id": "n-1",
                "dashboard_url": rendering.link(notification_of(stored), "https://d.example"),
            }
            | stored
        )


def test_an_acknowledgement_carries_its_reason_and_other_notifications_have_no_such_field() -> None:
    acknowledged = PAYLOAD | {
        "type": "conflict.acknowledged",
        "acknowledgement": {"reason": "agreed", "conflict_id": "c-1"},
    }
    notification = notification_of(acknowledged)
    assert notification.document() == acknowledged
    assert "agreed" in rendering.text_body(notification, "https://d.example")
    assert "acknowledgement" not in notification_of(PAYLOAD).document()


def test_a_digest_lists_its_conflicts_by_wijk() -> None:
    text = rendering.text_body(notification_of(DIGEST), "https://d.example")
    assert "Wijk WK051836 — ernst hoog" in text
    assert "24-03-2026 19:30 — Conflict in de planning: Twee avonden overlappen." in text
    assert "Neighbourhood WK051836 — severity high" in text


async def test_a_webhook_to_a_non_public_address_is_refused_for_good_without_connecting() -> None:
    from notifications.channels import PermanentDeliveryError
    from support.testing import stub_resolver
    from werkplaats.outbound import OutboundClient

    resolver = stub_resolver({"hooks.partner.example": ["169.254.169.254"]})
    channel = webhook.WebhookChannel(OutboundClient(resolver=resolver), "http://dashboard")
    with pytest.raises(PermanentDeliveryError, match="not a public address"):
        await channel.send("n-1", "http://hooks.partner.example/w", "k" * 16, notification_of(PAYLOAD))
