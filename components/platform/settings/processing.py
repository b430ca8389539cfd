"""`processing`: Dremio's distributed-storage bucket and the digest of its image."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from components.platform.contracts import LAKE_BUCKETS
from components.platform.settings.base import SettingsGroup


class ProcessingSettings(SettingsGroup):
    """`processing`: Dremio and ZooKeeper (their sizes are `services.dremio_*` and `services.zookeeper`)."""

    dist_bucket: str = "dremio"
    """Bucket of Dremio's distributed storage (reflections, job results, uploads, metadata backups before they are copied to `backups`), named `<object_storage.bucket_prefix><dist_bucket>`. Must not be one of the lake's buckets."""
    dremio_image_digest: str | None = None
    """Digest (`sha256:...`) of the pinned Dremio image tag, from `crane digest docker.io/dremio/dremio-oss:<tag>`. Unset: pods run by tag and `pulumi up` warns (no public pin of the Community image's digest could be confirmed)."""

    slow_query_seconds: int = Field(default=30, ge=1, le=3600)
    """A Dremio query that takes longer than this (from submission to its end) counts as slow: the dbt exporter reports `dremio_queries_slow` over the last 15 minutes and the `DremioSlowQueries` alert fires on it. dbt's own builds are not counted."""

    metadata_refresh_minutes: int = Field(default=15, ge=1, le=10080)
    """How often Dremio looks for new folders and files in the lake's S3 source (names and dataset metadata): new bronze data from Airbyte becomes queryable within this time."""

    @field_validator("dist_bucket")
    @classmethod
    def _dist_bucket(cls, value: str) -> str:
        if value in LAKE_BUCKETS:
            raise ValueError(
                f"{value!r} is one of the lake's buckets ({', '.join(LAKE_BUCKETS)}); Dremio's distributed storage "
                "needs a bucket of its own, so that its credential can write there and nowhere else. Fix: "
                "`pulumi config set --path processing.dist_bucket dremio`"
            )
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,11}", value):
            raise ValueError(
                "use 2-12 lower-case letters, digits and '-', starting with a letter or digit (it is prefixed with "
                "object_storage.bucket_prefix). Fix: `pulumi config set --path processing.dist_bucket dremio`"
            )
        return value

    @field_validator("dremio_image_digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
            raise ValueError(
                "give the digest as sha256:<64 hex digits>, as `crane digest docker.io/dremio/dremio-oss:<tag>` prints it"
            )
        return value
