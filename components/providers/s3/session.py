"""One S3 operation against one endpoint: a cached boto3 client, and errors that name the bucket and endpoint.

botocore's "standard" retry mode retries connection errors, 5xx and throttling with backoff.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions

from components.providers.base.contract import ProviderError
from components.providers.base.tunnel import local_port
from components.providers.s3.inputs import S3Connection

AUTHENTICATION_ERRORS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
NOT_FOUND_ERRORS = {"NoSuchBucket", "404", "NotFound"}
MISSING_CONFIGURATION = {
    "NoSuchLifecycleConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchBucketPolicy",
    "NoSuchTagSet",
    "ObjectLockConfigurationNotFoundError",
}
@functools.lru_cache(maxsize=32)
def _client(endpoint: str, region: str, access_key: str, secret_key: str) -> Any:
    """A boto3 S3 client per connection, kept for the provider process (never pickled)."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=botocore.config.Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            # Standard mode retries connection errors, 5xx and throttling with exponential backoff.
            retries={"mode": "standard", "max_attempts": 5},
            connect_timeout=5,
            read_timeout=30,
            # S3-compatible stores differ in checksum support; compute them only where S3 requires them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


@dataclass
class Session:
    """One bucket operation against one endpoint: the client, plus error wrapping that names both."""

    bucket: str
    connection: S3Connection
    client: Any = field(init=False)

    def __post_init__(self) -> None:
        c = self.connection
        endpoint = c.endpoint
        if c.tunnel is not None:
            scheme = urlsplit(c.endpoint).scheme
            endpoint = f"{scheme}://127.0.0.1:{local_port(c.tunnel)}"
        self.client = _client(endpoint, c.region, c.access_key, c.secret_key)

    def call(self, operation: str, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except botocore.exceptions.ClientError as error:
            raise self._error(operation, error) from None
        except (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectionClosedError,
            botocore.exceptions.ReadTimeoutError,
            botocore.exceptions.ConnectTimeoutError,
        ) as error:
            raise ProviderError(
                f"{operation} bucket {self.bucket!r}: {_s3_operation(method)} {self.connection.endpoint}/{self.bucket}: "
                f"could not reach the server after retries ({type(error).__name__})"
            ) from None

    def optional(self, operation: str, method: str, **kwargs: Any) -> Any | None:
        """Like `call`, but a configuration the bucket does not have gives None."""
        try:
            return self.call(operation, method, **kwargs)
        except ConfigurationMissing:
            return None

    def _error(self, operation: str, error: botocore.exceptions.ClientError) -> Exception:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = error.response.get("Error", {}).get("Message", "") or f"HTTP {status}"
        request = f"{error.operation_name} {self.connection.endpoint}/{self.bucket}: {status}"
        where = f"{operation} bucket {self.bucket!r}: {request}"
        if code in MISSING_CONFIGURATION:
            return ConfigurationMissing(code)
        if code in NOT_FOUND_ERRORS:
            return BucketGone(f"{where}: the bucket does not exist ({code})", code)
        if code in AUTHENTICATION_ERRORS:
            return S3Error(
                f"{where}: authentication failed ({code}: {message}). Check connection.access_key and "
                "connection.secret_key",
                code,
            )
        return S3Error(f"{where}: {code or 'error'}: {message}", code)


class S3Error(ProviderError):
    """An error answer from the S3 server; `code` is S3's error code ("403" for a bodiless HEAD)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class BucketGone(S3Error):
    pass


class ConfigurationMissing(Exception):
    pass


def _s3_operation(method: str) -> str:
    """boto3's method name as S3's operation name (`head_bucket` → `HeadBucket`)."""
    return "".join(part.capitalize() for part in method.split("_"))
