"""`ingestion`: where Airbyte's connectors may reach the systems they read from."""

from __future__ import annotations

from pydantic import field_validator

from components.platform.settings.base import SettingsGroup, validated_cidrs


class IngestionSettings(SettingsGroup):
    """`ingestion`: Airbyte (its sizes are `services.airbyte_*`)."""

    source_cidrs: list[str] = []
    """Addresses of the systems Airbyte's connector pods read from (databases, APIs), for their egress NetworkPolicy. Empty: connectors reach only the platform's own services (the PostgreSQL source database, the object store)."""

    @field_validator("source_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        return validated_cidrs(cidrs) if cidrs else cidrs
