"""`backups`: when backups run and how long they are kept."""

from __future__ import annotations

from components.platform.settings.base import SettingsGroup, whole


class BackupSettings(SettingsGroup):
    """`backups`: PostgreSQL base backups and WAL archive, Elasticsearch snapshots, all to the `backups` bucket."""

    retention_days: whole(1, 3650) = 30
    """How long backups and snapshots are kept, in days."""
    base_backup_hour_utc: whole(0, 23) = 3
    """Hour (UTC) of the daily PostgreSQL base backup and Elasticsearch snapshot."""
