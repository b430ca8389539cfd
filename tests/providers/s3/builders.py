"""Inputs and helpers shared by the tests of this folder."""

from __future__ import annotations

from typing import Any

from components.providers.s3.bucket import BucketProvider

ALL_KEYS = BucketProvider.inputs_model.keys()


def full_inputs(name: str, connection: dict[str, str], **overrides: Any) -> dict[str, Any]:
    inputs = {
        "connection": connection,
        "name": name,
        "versioning": True,
        "object_lock": False,
        "encryption": "AES256",
        "lifecycle_rules": [
            {"id": "expire-tmp", "prefix": "tmp/", "expiration_days": 7},
            {"id": "old-versions", "noncurrent_expiration_days": 30, "abort_incomplete_multipart_days": 2},
        ],
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
                 "Resource": [f"arn:aws:s3:::{name}/public/*"]}
            ],
        },
        "tags": {"layer": "bronze", "owner": "data-platform"},
        "force_destroy": False,
    }
    inputs.update(overrides)
    return inputs


def domain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: values.get(key) for key in ALL_KEYS}


