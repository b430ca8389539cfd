"""Bucket: an S3 bucket with versioning, object lock, default encryption, lifecycle rules, policy and tags.

A dynamic provider that speaks only the standard S3 API (boto3), so it works against MinIO, SeaweedFS,
AWS S3 and other compatible stores. It follows the platform's provider contract
(docs/providers/contract.md):

* `check` validates every input offline (bucket naming rules, lifecycle rules, policy shape, tags);
* `create` refuses an existing bucket unless `adopt=True`, and removes a half-created bucket again;
* `read` rebuilds the outputs from the server, normalised (policy JSON, tag and rule order, versioning
  never enabled vs suspended), so a refresh shows real drift and nothing else;
* `diff` compares domain fields; `name` and `object_lock` force a replacement;
* `update` sends only what changed; `delete` checks for objects and versions itself and refuses a
  non-empty bucket unless `force_destroy=True`.

Transient failures (connection errors, 5xx, throttling) are retried with backoff by botocore's
"standard" retry mode. A create that botocore retried may meet the bucket its first attempt made;
since the bucket was checked absent just before, that counts as our own.

The provider holds no credentials: they arrive in the `connection` input (a secret) on every call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.dynamic

from components.providers.base.contract import ContractProvider, ContractResource, ProviderError
from components.providers.s3.configuration import (
    DELETE_BATCH,
    apply_configuration,
    count_contents,
    delete_contents,
    fresh_bucket,
    read_configuration,
)
from components.providers.s3.inputs import BucketInputs
from components.providers.s3.session import BucketGone, S3Error, Session


class BucketProvider(ContractProvider):
    """CRUD for `Bucket`; constructed with no arguments and holding no credentials."""

    inputs_model = BucketInputs
    replace_keys = ("name", "object_lock")

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(id_, olds, news)
        # Changing object lock keeps the name: the old bucket must go before the new one can exist.
        result.delete_before_replace = "object_lock" in result.replaces and "name" not in result.replaces
        return result

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        desired = self.inputs(props)
        session = Session(desired.name, desired.connection)
        exists = self._exists(session, "create")
        if exists and not desired.adopt:
            raise ProviderError(
                f"create bucket {desired.name!r} at {desired.connection.endpoint}: it already exists and these "
                "credentials own it. To manage it with Pulumi, set adopt=True (the bucket is then brought to the "
                "declared configuration); otherwise choose another name"
            )
        if exists:
            apply_configuration(session, read_configuration(session), desired)
            return pulumi.dynamic.CreateResult(desired.name, desired.dump())
        self._create_bucket(session, desired)
        try:
            apply_configuration(session, fresh_bucket(desired), desired)
        except ProviderError as error:
            raise self._roll_back(session, error) from None
        return pulumi.dynamic.CreateResult(desired.name, desired.dump())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs({**props, "name": id_})
        session = Session(id_, stored.connection)
        try:
            configuration = read_configuration(session)
        except BucketGone:
            return pulumi.dynamic.ReadResult(None, {})
        # Plain values, not re-validated: a refresh reports what the server has, even what inputs would refuse.
        outs = {**stored.dump(), **configuration}
        return pulumi.dynamic.ReadResult(id_, outs, outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        desired = self.inputs(news)
        previous = self.inputs(olds)
        session = Session(desired.name, desired.connection)
        if desired.connection != previous.connection:
            # New credentials or endpoint: prove they work before they are stored; the bucket is not touched.
            self._exists(session, "update")
        apply_configuration(session, previous.dump(), desired)
        return pulumi.dynamic.UpdateResult(desired.dump())

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = self.inputs({**props, "name": id_})
        session = Session(id_, stored.connection)
        try:
            contents = count_contents(session)
        except BucketGone:
            return
        if contents and not stored.force_destroy:
            raise ProviderError(
                f"delete bucket {id_!r} at {stored.connection.endpoint}: it holds {contents}{'+' if contents >= DELETE_BATCH else ''} "
                "object version(s). Empty it first, or set force_destroy=True to delete the bucket with all its contents"
            )
        if contents:
            delete_contents(session)
        try:
            session.call("delete", "delete_bucket")
        except BucketGone:
            pass

    @staticmethod
    def _exists(session: Session, operation: str) -> bool:
        try:
            session.call(operation, "head_bucket")
            return True
        except BucketGone:
            return False
        except S3Error as error:
            if error.code not in ("403", "Forbidden"):
                raise
        # A HEAD answer has no body, so a 403 cannot tell a wrong key from someone else's bucket. A GET
        # answers with an S3 error code: an authentication failure raises as such, access denied lands here.
        try:
            session.call(operation, "get_bucket_location")
        except S3Error as error:
            if error.code != "AccessDenied":
                raise
        raise ProviderError(
            f"{operation} bucket {session.bucket!r} at {session.connection.endpoint}: the bucket exists but these "
            "credentials may not use it (it belongs to another owner, or access is denied)"
        )

    @staticmethod
    def _create_bucket(session: Session, desired: BucketInputs) -> None:
        kwargs: dict[str, Any] = {"ObjectLockEnabledForBucket": desired.object_lock}
        if desired.connection.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": desired.connection.region}
        try:
            session.call("create", "create_bucket", **kwargs)
        except S3Error as error:
            # Checked absent a moment ago: "already owned by you" means a retried request met our own bucket.
            if error.code != "BucketAlreadyOwnedByYou":
                raise

    @staticmethod
    def _roll_back(session: Session, error: ProviderError) -> ProviderError:
        """A create that failed half-way removes the bucket it made, so nothing is left behind."""
        try:
            session.call("create (rolling back)", "delete_bucket")
        except ProviderError:
            return ProviderError(
                f"{error}. The bucket was created but could not be configured or removed again: delete it, or "
                "run again with adopt=True to take it over"
            )
        return ProviderError(f"{error}. The new bucket was removed again; nothing was created")


@dataclass(frozen=True, kw_only=True)
class BucketArgs:
    connection: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """`{endpoint: "http(s)://host:port", access_key, secret_key, region: "us-east-1"}`; kept secret."""
    name: pulumi.Input[str]
    """The bucket's name (S3 naming rules); changing it replaces the bucket."""
    versioning: pulumi.Input[bool] = False
    object_lock: pulumi.Input[bool] = False
    """Only at creation: changing it replaces the bucket. Needs `versioning=True`."""
    encryption: pulumi.Input[str] | None = None
    """Default server-side encryption: "AES256", or None for none."""
    lifecycle_rules: pulumi.Input[list[Mapping[str, Any]]] = field(default_factory=list)
    """`{id, prefix: "", expiration_days, noncurrent_expiration_days, abort_incomplete_multipart_days}`."""
    policy: pulumi.Input[Mapping[str, Any]] | None = None
    """A bucket policy document (Version, Statement), or None for none."""
    tags: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    force_destroy: pulumi.Input[bool] = False
    """Allow `pulumi destroy` to delete a bucket that still holds objects, with all of them."""
    adopt: pulumi.Input[bool] = False
    """Take over a bucket that already exists instead of failing (`pulumi import` does not work for dynamic resources)."""


class Bucket(ContractResource, module="s3", name="Bucket"):
    """An S3 bucket managed through the standard S3 API (MinIO, SeaweedFS, AWS S3, ...)."""

    provider_class = BucketProvider

    name: pulumi.Output[str]
    versioning: pulumi.Output[bool]
    object_lock: pulumi.Output[bool]
    encryption: pulumi.Output[str | None]
    lifecycle_rules: pulumi.Output[list[dict[str, Any]]]
    policy: pulumi.Output[dict[str, Any] | None]
    tags: pulumi.Output[dict[str, str]]
    force_destroy: pulumi.Output[bool]
    adopt: pulumi.Output[bool]
    connection: pulumi.Output[dict[str, Any]]
    """Secret: it holds the secret key."""
