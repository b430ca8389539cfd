"""`backups`: when backups run, how long they are kept, and the offsite copy."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import StrictBool, field_validator

from components.platform.settings.base import SettingsGroup, validated_cidrs, whole


class OffsiteSettings(SettingsGroup):
    """`backups.offsite`: a bucket outside the cluster (S3, or any S3-compatible service) that a nightly job mirrors the lake and the backups to."""

    enabled: StrictBool | None = None
    """Mirror offsite. Unset: off in dev, on in staging and prod."""
    region: str = "eu-west-1"
    """Region of the offsite bucket (any string an S3-compatible service accepts)."""
    bucket_prefix: str = "data-platform-offsite-"
    """The bucket is named by Pulumi from this prefix (bucket names are global on AWS)."""
    endpoint: str | None = None
    """An S3-compatible service instead of AWS (`https://host[:port]`). It has no IAM: the mirror uses the secret keys `offsite_access_key` and `offsite_secret_key`, which must be allowed to write the bucket."""
    object_lock_days: whole(1, 3650) | None = None  # type: ignore[valid-type]
    """Keep every object version for this many days in governance mode (set at creation only: changing it later replaces the bucket's lock configuration, never the bucket)."""
    egress_cidrs: list[str] = ["0.0.0.0/0"]
    """Addresses the mirror pods may reach on the offsite endpoint's port (S3's addresses change, hence everything by default); narrow it for a fixed endpoint or a proxy."""

    @classmethod
    def reference_default(cls, field_name: str) -> str | None:
        return "dev: `false`; staging, prod: `true`" if field_name == "enabled" else None

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9-]{2,32}", value):
            raise ValueError("give a region name such as eu-west-1")
        return value

    @field_validator("bucket_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,36}", value):
            raise ValueError("use at most 37 lower-case letters, digits, '.' and '-' (Pulumi adds a random suffix)")
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d{1,5})?/?", value):
            raise ValueError("give the S3-compatible service as https://host[:port] (offsite copies travel over TLS)")
        return value.rstrip("/") if value else value

    @field_validator("egress_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        return validated_cidrs(cidrs)


class BackupSettings(SettingsGroup):
    """`backups`: PostgreSQL base backups and WAL archive, Elasticsearch snapshots and Dremio metadata backups to the `backups` bucket, and their offsite copy."""

    secret_keys: ClassVar[dict[str, str]] = {
        "offsite_access_key": "the access key the aws provider and the mirror use for the offsite bucket (ambient AWS credentials when unset on AWS).",
        "offsite_secret_key": "its secret key.",
    }

    retention_days: whole(1, 3650) = 30  # type: ignore[valid-type]
    """How long backups and snapshots are kept, in days (offsite too: the offsite bucket's lifecycle expires objects and old versions after it)."""
    base_backup_hour_utc: whole(0, 23) = 3  # type: ignore[valid-type]
    """Hour (UTC) of the daily PostgreSQL base backup and Elasticsearch snapshot; Dremio's metadata backup runs at half past, the offsite mirror two hours later."""
    offsite: OffsiteSettings = OffsiteSettings()
    """The offsite copy; see the `backups.offsite.*` keys."""

    def required_secret_keys(self) -> dict[str, str]:
        if self.offsite.enabled is not False and self.offsite.endpoint:
            return {key: "required with backups.offsite.endpoint (an S3-compatible service has no IAM)" for key in self.secret_keys}
        return {}

    def unused_secret_reason(self, key: str) -> str | None:
        if self.offsite.enabled is False:
            return "only used with backups.offsite.enabled"
        return None



def offsite_enabled(backups: BackupSettings, *, dev: bool) -> bool:
    """`backups.offsite.enabled`, or its default: off in dev, on elsewhere."""
    return (not dev) if backups.offsite.enabled is None else backups.offsite.enabled
