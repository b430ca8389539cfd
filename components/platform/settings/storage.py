"""`object_storage`: which S3 store holds the data lake, and where an external one is."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import field_validator, model_validator

from components.platform.catalog import ObjectStorageBackend
from components.platform.settings.base import SettingsGroup, validated_cidrs

EXTERNAL_CREDENTIALS = ("object_storage_access_key", "object_storage_secret_key")


class ObjectStorageSettings(SettingsGroup):
    """`object_storage`: where the data lake's buckets live."""

    secret_keys: ClassVar[dict[str, str]] = {
        "object_storage_access_key": "backend `external` only, and then required: the S3 access key ID.",
        "object_storage_secret_key": "backend `external` only, and then required: the S3 secret access key.",
    }

    backend: ObjectStorageBackend = ObjectStorageBackend.MINIO
    """`minio` (deployed, erasure-coded; frozen upstream, see README), `seaweedfs` (deployed, replicated, maintained) or `external` (an existing S3 endpoint; nothing deployed)."""
    region: str = "us-east-1"
    """S3 region clients sign requests for. In-cluster backends accept any; for AWS use the buckets' region."""
    bucket_prefix: str = ""
    """Prefix of every bucket name (`<prefix>bronze`, ...). Bucket names are global on AWS S3: set one there."""
    console_service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    """How MinIO's web console is exposed. ClusterIP keeps it inside the cluster (`kubectl port-forward`)."""
    external_endpoint: str | None = None
    """backend `external` only, and then required: the S3 endpoint URL, e.g. `https://s3.eu-west-1.amazonaws.com`. Credentials: the secret keys `object_storage_access_key` and `object_storage_secret_key`."""
    external_cidrs: list[str] = ["0.0.0.0/0"]
    """backend `external` only: addresses of the endpoint, for the egress NetworkPolicies."""

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+|us-east-1", value):
            raise ValueError("use an S3 region name such as 'us-east-1' or 'eu-west-1'")
        return value

    @field_validator("bucket_prefix")
    @classmethod
    def _bucket_prefix(cls, value: str) -> str:
        # The longest bucket is "backups" (7 characters); S3 names are at most 63.
        if value and (len(value) > 50 or not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", value) or ".." in value):
            raise ValueError("use lower-case letters, digits, '-' and '.', starting with a letter or digit, at most 50")
        return value

    @field_validator("external_endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?/?", value):
            raise ValueError("give the endpoint as scheme://host[:port], e.g. 'https://s3.eu-west-1.amazonaws.com'")
        return value.rstrip("/") if value else value

    @field_validator("external_cidrs")
    @classmethod
    def _external_cidrs(cls, cidrs: list[str]) -> list[str]:
        return validated_cidrs(cidrs)

    @model_validator(mode="after")
    def _endpoint_matches_backend(self) -> Self:
        if self.backend is ObjectStorageBackend.EXTERNAL and self.external_endpoint is None:
            raise ValueError(
                "backend 'external' needs external_endpoint. Fix: "
                "`pulumi config set --path object_storage.external_endpoint https://<host>`"
            )
        if self.backend is not ObjectStorageBackend.EXTERNAL and self.external_endpoint is not None:
            raise ValueError(
                f"external_endpoint is only used with backend 'external', not {str(self.backend)!r}. Fix: "
                "`pulumi config rm --path object_storage.external_endpoint`, or set the backend to external"
            )
        return self

    def required_secret_keys(self) -> dict[str, str]:
        if self.backend is not ObjectStorageBackend.EXTERNAL:
            return {}
        return {key: "required with object_storage.backend external" for key in EXTERNAL_CREDENTIALS}

    def unused_secret_reason(self, key: str) -> str | None:
        if self.backend is ObjectStorageBackend.EXTERNAL:
            return None
        return (
            f"only used with object_storage.backend external, which this stack does not use ({self.backend}); "
            "the in-cluster backends generate their own credentials"
        )
