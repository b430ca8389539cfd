"""`observability`, `logging` and `alerting`: what the observability layer keeps, and where alerts go."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import StrictBool, field_validator, model_validator

from components.platform.settings.base import SettingsGroup, validated_cidrs, whole

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SMARTHOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:\d{1,5}")


class ObservabilitySettings(SettingsGroup):
    """`observability`: Prometheus, Grafana, Kibana and tracing (their sizes are `services.prometheus`, ...)."""

    metrics_retention_days: whole(1, 365) | None = None
    """How long Prometheus keeps metrics (it also stops at 85 % of its volume, `services.prometheus.storage_gib`). Unset: 3 days in dev, 7 in staging, 15 in prod."""
    kibana: StrictBool | None = None
    """Run Kibana (through ECK) to read the logs in Elasticsearch. Unset: off in dev (its memory does not fit the one host's headroom), on in staging and prod."""
    kibana_image_digest: str | None = None
    """Digest (`sha256:...`) of the Kibana image of the pinned Elasticsearch version, from `crane digest docker.elastic.co/kibana/kibana:<version>`. Unset: Kibana runs by tag and `pulumi up` warns."""
    tracing: StrictBool | None = None
    """Run the OpenTelemetry Collector and Jaeger (traces stored in Elasticsearch). Unset: off in dev, on in staging and prod."""
    trace_retention_days: whole(1, 90) = 7
    """Days a daily trace index (`jaeger-span-<date>`, `jaeger-service-<date>`) is kept; a daily Job deletes older ones."""

    @classmethod
    def reference_default(cls, field_name: str) -> str | None:
        return {
            "metrics_retention_days": "dev: `3`; staging: `7`; prod: `15`",
            "kibana": "dev: `false`; staging, prod: `true`",
            "tracing": "dev: `false`; staging, prod: `true`",
        }.get(field_name)

    @field_validator("kibana_image_digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None and not _DIGEST.fullmatch(value):
            raise ValueError(
                "give the digest as sha256:<64 hex digits>, as `crane digest docker.elastic.co/kibana/kibana:<version>` prints it"
            )
        return value


class LoggingSettings(SettingsGroup):
    """`logging`: container logs shipped to Elasticsearch by Fluent Bit."""

    retention_days: whole(1, 3650) = 30
    """Days a daily `logs-<service>-<date>` index is kept before Elasticsearch deletes it (an index lifecycle policy)."""


class AlertingSettings(SettingsGroup):
    """`alerting`: where Alertmanager sends alerts. With no receiver, alerts are visible in Alertmanager's UI only."""

    secret_keys: ClassVar[dict[str, str]] = {
        "alerting_smtp_password": "the password of `alerting.smtp_username` at `alerting.smtp_smarthost`.",
        "alerting_slack_webhook": "the Slack incoming-webhook URL alerts are posted to (with `alerting.slack_channel`).",
    }

    email_to: list[str] = []
    """Addresses that receive alerts by e-mail. Needs `smtp_smarthost` and `email_from`."""
    email_from: str | None = None
    """Sender address of alert e-mails."""
    smtp_smarthost: str | None = None
    """The SMTP server as `host:port` (STARTTLS is required), e.g. `smtp.example.com:587`."""
    smtp_username: str | None = None
    """User at the SMTP server, with the secret key `alerting_smtp_password`. Unset: no authentication."""
    slack_channel: str | None = None
    """Slack channel (`#alerts`) for the webhook in the secret key `alerting_slack_webhook`; setting it turns Slack on."""
    critical_only_to_email: StrictBool = False
    """Send only critical alerts by e-mail (warnings go to Slack only)."""
    egress_cidrs: list[str] = []
    """Addresses Alertmanager may reach: the SMTP server and Slack's webhook endpoint (or a proxy in front of them). Required when a receiver is configured."""

    @field_validator("email_to")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            if not _EMAIL.fullmatch(address):
                raise ValueError(f"{address!r} is not an e-mail address; give addresses such as oncall@example.com")
        return addresses

    @field_validator("email_from")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError("give the sender's e-mail address, e.g. alertmanager@example.com")
        return value

    @field_validator("smtp_smarthost")
    @classmethod
    def _smarthost(cls, value: str | None) -> str | None:
        if value is not None and not _SMARTHOST.fullmatch(value):
            raise ValueError("give the SMTP server as host:port, e.g. smtp.example.com:587")
        return value

    @field_validator("slack_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"#[a-z0-9][a-z0-9_-]{0,79}", value):
            raise ValueError("give the channel as #name (lower-case letters, digits, '-' and '_'), e.g. #data-platform-alerts")
        return value

    @field_validator("egress_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        return validated_cidrs(cidrs) if cidrs else cidrs

    @model_validator(mode="after")
    def _receivers_are_complete(self) -> AlertingSettings:
        if self.email_to and (self.smtp_smarthost is None or self.email_from is None):
            missing = "smtp_smarthost" if self.smtp_smarthost is None else "email_from"
            raise ValueError(
                f"email_to needs alerting.{missing} too. Fix: `pulumi config set --path alerting.{missing} <value>`"
            )
        if (self.email_to or self.slack_channel) and not self.egress_cidrs:
            raise ValueError(
                "a receiver is configured but alerting.egress_cidrs is empty, so Alertmanager could not reach it. Fix: "
                "`pulumi config set --path 'alerting.egress_cidrs[0]' <SMTP server or Slack proxy CIDR>`"
            )
        return self

    @property
    def email(self) -> bool:
        return bool(self.email_to)

    @property
    def slack(self) -> bool:
        return self.slack_channel is not None

    def required_secret_keys(self) -> dict[str, str]:
        required = {}
        if self.slack:
            required["alerting_slack_webhook"] = "required with alerting.slack_channel"
        if self.smtp_username is not None:
            required["alerting_smtp_password"] = "required with alerting.smtp_username"
        return required

    def unused_secret_reason(self, key: str) -> str | None:
        if key == "alerting_slack_webhook" and not self.slack:
            return "only used with alerting.slack_channel, which this stack does not set"
        if key == "alerting_smtp_password" and self.smtp_username is None:
            return "only used with alerting.smtp_username, which this stack does not set"
        return None
