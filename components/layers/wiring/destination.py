"""The bronze destination: Airbyte's S3 destination writing Parquet (Snappy) into the bronze bucket.

The architecture's layout: one folder per stream, partitioned by the day the sync ran, so that Dremio sees
`lake.<bronze>.<stream>` as one table (the date folders become its partitions) and dbt's sources read it:

    s3://<prefix>bronze/<stream>/<YYYY>-<MM>-<DD>/<date>_<timestamp>_<part>.parquet

The platform's wiring declares it with `AirbyteDestination` (components/providers/airbyte/actor.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

S3_DESTINATION = "4816b78f-1489-44c1-9060-4b19d5fa9362"
"""Airbyte's S3 destination definition."""
NAME = "bronze"


def bronze_configuration(*, endpoint: str, region: str, bucket: str, access_key: str, secret_key: str) -> dict[str, Any]:
    """The S3 destination's configuration (as its spec names the fields)."""
    configuration: dict[str, Any] = {
        "s3_bucket_name": bucket,
        "s3_bucket_path": "",
        "s3_bucket_region": region,
        "access_key_id": access_key,
        "secret_access_key": secret_key,
        "format": {"format_type": "Parquet", "compression_codec": "SNAPPY"},
        "s3_path_format": "${STREAM_NAME}/${YEAR}-${MONTH}-${DAY}/",
        "file_name_pattern": "{date}_{timestamp}_{part_number}{format_extension}",
    }
    if not (urlsplit(endpoint).hostname or "").endswith(".amazonaws.com"):
        # Any other store is S3-compatible: its endpoint, path-style (the destination's default for custom endpoints).
        configuration["s3_endpoint"] = endpoint
    return configuration
