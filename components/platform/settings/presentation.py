"""`superset`: what the presentation layer's Superset keeps, and how it is reached."""

from __future__ import annotations

import re

from pydantic import StrictBool, field_validator

from components.platform.settings.base import SettingsGroup


class SupersetSettings(SettingsGroup):
    """`superset`: Superset and its Valkey cache (their sizes are `services.superset_*` and `services.valkey`)."""

    valkey_persistence: StrictBool | None = None
    """Keep Valkey's data (queued async queries, cached results) across restarts with an append-only file on its volume. Unset: off in dev, on in staging and prod. prod refuses it off: a restart would drop every queued query."""
    admin_email: str = "superset-admin@data-platform.invalid"
    """E-mail address of Superset's first administrator (user `admin`), created by the migration Job."""

    @classmethod
    def reference_default(cls, field_name: str) -> str | None:
        return "dev: `false`; staging, prod: `true`" if field_name == "valkey_persistence" else None

    @field_validator("admin_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("use an e-mail address such as admin@example.com. Fix: `pulumi config set --path superset.admin_email <address>`")
        return value
