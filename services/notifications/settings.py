"""Settings of the notifications service (``NOTIFICATIONS_`` variables), read when the app is created."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from werkplaats.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """How notifications are decided, sent, retried and held back."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", populate_by_name=True)

    http_port: int = Field(default=8020, ge=0, le=65535)
    dashboard_url: str = Field(
        default="http://127.0.0.1:8000", description="Base of the dashboard links in messages."
    )
    start_from: Literal["latest", "earliest"] = Field(
        default="latest",
        description="Where a new consumer group starts on scheduling.conflicts: `latest` warns about new "
        "conflicts only; `earliest` replays the topic's history (and notifies about it).",
    )
    quiet_period_s: float = Field(
        default=600, ge=0, description="After an announcement, changes wait this long for one follow-up."
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str | None = Field(default=None, description="SMTP login (with the password).")
    smtp_password: SecretStr | None = Field(
        default=None, description="Never logged: shown as ********** in reprs."
    )
    smtp_tls_verify: bool = Field(
        default=True, description="Verify the SMTP server's certificate and name on STARTTLS."
    )
    smtp_tls_ca_file: str | None = Field(default=None, description="CA bundle for a private SMTP server.")
    smtp_allow_plaintext_login: bool = Field(
        default=False, description="Allow the SMTP login without STARTTLS (the password in clear text)."
    )
    smtp_sender: str = Field(
        default="Werkplaats Participatie <noreply@werkplaats.local>", description="The From header."
    )
    smtp_timeout_s: float = Field(default=10, gt=0)
    message_id_domain: str = Field(default="werkplaats.local", description="Right side of Message-IDs.")
    webhook_timeout_s: float = Field(default=10, gt=0, description="A webhook answer slower is a failure.")
    retry_base_s: float = Field(default=1.0, gt=0, description="First retry delay; doubles each try.")
    retry_max_s: float = Field(default=300, gt=0, description="Longest delay between tries of an endpoint.")
    retry_budget_s: float = Field(
        default=2 * 3600, gt=0, description="A delivery not done this long after it was decided fails."
    )
    lease_s: float = Field(
        default=60, gt=0, description="A claimed delivery not marked within this is claimed again."
    )
    sender_batch: int = Field(default=200, ge=1, description="Deliveries claimed at a time.")
    sender_poll_s: float = Field(default=0.5, gt=0, description="Check for deliveries of other instances.")
    mark_linger_s: float = Field(
        default=0.1,
        ge=0,
        description="A delivered send waits this long for others, so they are marked in one transaction.",
    )
    per_endpoint_concurrency: int = Field(
        default=8, ge=1, description="Sends in flight to one endpoint at a time."
    )
    tick_s: float = Field(default=1.0, gt=0, description="How often follow-ups and digests are checked.")
    fetch_min_bytes: int = Field(
        default=64 * 1024, ge=1, description="Bytes a fetch of scheduling.conflicts waits for, to batch."
    )
    fetch_max_wait_ms: int = Field(
        default=40,
        ge=0,
        description="Longest that fetch waits: at a steady rate the conflicts of this many milliseconds are "
        "decided in one transaction instead of one or two each (the quiet topics long-poll for a second).",
    )
    builder_contacts: dict[str, str] = Field(
        default_factory=dict,
        description="JSON object: community builder id → e-mail address, for initiative alerts "
        "(ids are the pseudonymous ones on initiatives.events).",
    )

    initiatives_url: str = Field(
        default="http://127.0.0.1:8030",
        description="The initiatives service, asked for an initiator's address when a reminder is sent.",
    )
    initiatives_key: SecretStr | None = Field(
        default=None, description="An operations API key for the initiatives service."
    )

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Self:
        """A claimed delivery waits for at most one round of sends to its endpoint, then takes one attempt."""
        longest = max(self.webhook_timeout_s, self.smtp_timeout_s)
        if self.lease_s < 2 * longest:
            raise ValueError(
                f"lease_s ({self.lease_s:g}) must be at least twice the longest attempt ({longest:g} s), "
                "or a slow delivery is claimed and sent a second time"
            )
        return self
