"""The run's artifacts, kept in the logs bucket: `<prefix>/<date>/<run id>/{run_results,manifest}.json`."""

from __future__ import annotations

from pathlib import Path

import boto3
from botocore.config import Config

from runner.config import credentials, env

ARTIFACTS = ("run_results.json", "manifest.json")


def upload(target: Path, *, run_id: str, day: str) -> list[str]:
    """Upload what exists of the artifacts; returns their object keys."""
    s3 = credentials("ARTIFACTS_CREDENTIALS_DIR", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT", "S3_REGION")
    client = boto3.client(
        "s3",
        endpoint_url=s3["S3_ENDPOINT"],
        region_name=s3["S3_REGION"],
        aws_access_key_id=s3["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=s3["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
    )
    bucket, prefix = env("LOGS_BUCKET"), env("ARTIFACTS_PREFIX", "dbt")
    keys = []
    for name in ARTIFACTS:
        path = target / name
        if path.is_file():
            key = f"{prefix}/{day}/{run_id}/{name}"
            client.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": "application/json"})
            keys.append(key)
    return keys
