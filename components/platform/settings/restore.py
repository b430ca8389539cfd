"""`restore`: restores declared in the stack, not only described. Each applies when the store is created, so a
restore is: lift the guard if needed, delete the store, set the key, `pulumi up` (README, "Restore")."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import field_validator

from components.platform.settings.base import SettingsGroup

_BACKUP_ID = re.compile(r"^\d{8}T\d{6}$")


class PostgresqlRestore(SettingsGroup):
    """`restore.postgresql`: create the PostgreSQL cluster by recovery from the object store's backups."""

    from_backup: str | None = None
    """`latest` (the end of the WAL archive), a point in time (RFC 3339, e.g. `2026-12-04T09:30:00Z`), or a Barman backup id (`20261204T030000`). Used when the cluster is created; the recovered cluster archives its WAL under a new server name, so the backups it came from stay untouched."""

    @field_validator("from_backup")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        if value is None or value == "latest" or _BACKUP_ID.match(value):
            return value
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("give `latest`, an RFC 3339 time such as 2026-12-04T09:30:00Z, or a backup id such as 20261204T030000") from None
        if moment.tzinfo is None:
            raise ValueError("give the time with its zone, e.g. 2026-12-04T09:30:00Z")
        return value


class ElasticsearchRestore(SettingsGroup):
    """`restore.elasticsearch`: restore indices from a snapshot of the `backups` repository, once."""

    snapshot: str | None = None
    """The snapshot's name (`GET _snapshot/backups/_all`), e.g. `daily-2026.12.04`. A one-shot Job restores it; the indices it restores must not be open (close or delete them first)."""
    indices: str = "logs-*,jaeger-*"
    """Which indices of the snapshot to restore (comma-separated patterns)."""

    @field_validator("snapshot")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,254}", value):
            raise ValueError("a snapshot name is lower-case letters, digits, '.', '_' and '-'")
        return value

    @field_validator("indices")
    @classmethod
    def _patterns(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9*._,-]+", value):
            raise ValueError("give comma-separated index patterns, e.g. logs-*,jaeger-*")
        return value


class DremioRestore(SettingsGroup):
    """`restore.dremio`: restore a metadata backup into the coordinator before it starts."""

    backup: str | None = None
    """The backup's stamp, the folder under `<bucket_prefix>backups/dremio/` (e.g. `20261204T033000Z`). The coordinator restarts, its pod fetches the backup and runs `dremio-admin restore` before Dremio starts (same Dremio version as the backup); once restored, the setting does nothing more."""

    @field_validator("backup")
    @classmethod
    def _stamp(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9TZ]{8,20}", value):
            raise ValueError("give the backup's stamp as it is named in the backups bucket, e.g. 20261204T033000Z")
        return value


class RestoreSettings(SettingsGroup):
    """`restore`: restores declared in the stack; see the `restore.*` keys and the README's "Restore"."""

    postgresql: PostgresqlRestore = PostgresqlRestore()
    """PostgreSQL recovery; see `restore.postgresql.*`."""
    elasticsearch: ElasticsearchRestore = ElasticsearchRestore()
    """Elasticsearch snapshot restore; see `restore.elasticsearch.*`."""
    dremio: DremioRestore = DremioRestore()
    """Dremio metadata restore; see `restore.dremio.*`."""
