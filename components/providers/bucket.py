"""Bucket: an S3 bucket with versioning, object lock, default encryption, lifecycle rules, policy and tags.

A dynamic provider that speaks only the standard S3 API (boto3), so it works against MinIO, SeaweedFS,
AWS S3 and other compatible stores. It follows the platform's provider contract
(shared/reference/provider-contract.md):

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

import functools
import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Self

import boto3
import botocore.config
import botocore.exceptions
import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from components.providers.common import ProviderError, domain_diff, domain_values, validate_inputs
from components.providers.http import base_url

DOMAIN_KEYS = ("name", "versioning", "object_lock", "encryption", "lifecycle_rules", "policy", "tags")
STORED_KEYS = ("force_destroy", "adopt", "connection")
"""Kept in state and compared, but never sent to the server as bucket configuration."""
REPLACE_KEYS = ("name", "object_lock")

AUTHENTICATION_ERRORS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
NOT_FOUND_ERRORS = {"NoSuchBucket", "404", "NotFound"}
MISSING_CONFIGURATION = {
    "NoSuchLifecycleConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchBucketPolicy",
    "NoSuchTagSet",
    "ObjectLockConfigurationNotFoundError",
}
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
_POLICY_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
MAX_TAGS = 50
DELETE_BATCH = 1000

PositiveDays = Annotated[int, Field(ge=1, le=36500)]


class S3Connection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str
    access_key: Annotated[str, Field(min_length=1)]
    secret_key: Annotated[str, Field(min_length=1)]
    region: str = "us-east-1"

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        return base_url(value, "http://minio.storage.svc:9000")


class LifecycleRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=255)]
    prefix: str = ""
    expiration_days: PositiveDays | None = None
    noncurrent_expiration_days: PositiveDays | None = None
    abort_incomplete_multipart_days: PositiveDays | None = None
    enabled: StrictBool = True

    @model_validator(mode="after")
    def _has_an_action(self) -> Self:
        if not (self.expiration_days or self.noncurrent_expiration_days or self.abort_incomplete_multipart_days):
            raise ValueError(
                f"rule {self.id!r} does nothing: set expiration_days, noncurrent_expiration_days or "
                "abort_incomplete_multipart_days"
            )
        return self


class BucketInputs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: S3Connection
    name: str
    versioning: StrictBool = False
    object_lock: StrictBool = False
    encryption: Literal["AES256"] | None = None
    lifecycle_rules: list[LifecycleRule] = []
    policy: dict[str, Any] | None = None
    tags: dict[str, str] = {}
    force_destroy: StrictBool = False
    adopt: StrictBool = False

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        problem = bucket_name_problem(name)
        if problem:
            raise ValueError(problem)
        return name

    @field_validator("lifecycle_rules")
    @classmethod
    def _unique_rule_ids(cls, rules: list[LifecycleRule]) -> list[LifecycleRule]:
        ids = [rule.id for rule in rules]
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(duplicates)}")
        return sorted(rules, key=lambda rule: rule.id)

    @field_validator("policy")
    @classmethod
    def _policy(cls, policy: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if policy is None else canonical_policy(policy)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        if len(tags) > MAX_TAGS:
            raise ValueError(f"at most {MAX_TAGS} tags, got {len(tags)}")
        for key, value in tags.items():
            if not 1 <= len(key) <= 128 or key.startswith("aws:"):
                raise ValueError(f"tag key {key!r} must be 1-128 characters and not start with 'aws:'")
            if len(value) > 256:
                raise ValueError(f"tag {key!r}: values are at most 256 characters")
        return dict(sorted(tags.items()))

    @model_validator(mode="after")
    def _lock_needs_versioning(self) -> Self:
        if self.object_lock and not self.versioning:
            raise ValueError("object_lock needs versioning=True (S3 keeps locked objects as versions)")
        return self


def bucket_name_problem(name: str) -> str | None:
    """Why `name` breaks the S3 bucket naming rules, or None
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)."""
    if not 3 <= len(name) <= 63:
        return f"bucket names are 3 to 63 characters, {name!r} has {len(name)}"
    if not _BUCKET_NAME.match(name):
        return f"{name!r}: use lower-case letters, digits, '.' and '-', starting and ending with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return f"{name!r}: no adjacent periods, and no period next to a hyphen"
    try:
        ipaddress.IPv4Address(name)
        return f"{name!r}: a bucket name must not look like an IP address"
    except ValueError:
        pass
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return f"{name!r}: the prefixes {', '.join(_RESERVED_PREFIXES)} and suffixes {', '.join(_RESERVED_SUFFIXES)} are reserved"
    return None


def canonical_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    """A bucket policy in one canonical form, so that what a server echoes back compares equal.

    Servers reformat policies (SeaweedFS turns one-element lists into strings and compacts the JSON),
    so every Action/Resource/Principal/Condition value becomes a sorted list of strings and a single
    statement becomes a list. Raises ValueError for a document that is not a policy.
    """
    if not isinstance(policy, Mapping):
        raise ValueError("a policy is a JSON object with Version and Statement")
    if policy.get("Version") not in ("2012-10-17", "2008-10-17"):
        raise ValueError("policy.Version must be '2012-10-17'")
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ValueError("policy.Statement must be a statement or a non-empty list of statements")
    canonical = {"Version": policy["Version"], "Statement": [_canonical_statement(s) for s in statements]}
    if "Id" in policy:
        canonical["Id"] = policy["Id"]
    unknown = set(policy) - {"Version", "Statement", "Id"}
    if unknown:
        raise ValueError(f"policy has unknown top-level keys: {', '.join(sorted(unknown))}")
    return canonical


def _canonical_statement(statement: Any) -> dict[str, Any]:
    if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
        raise ValueError("every policy statement is an object with Effect 'Allow' or 'Deny'")
    result: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _POLICY_LIST_KEYS:
            result[key] = _sorted_strings(value)
        elif key in ("Principal", "NotPrincipal"):
            result[key] = "*" if value == "*" else {k: _sorted_strings(v) for k, v in sorted(dict(value).items())}
        elif key == "Condition":
            result[key] = {
                operator: {k: _sorted_strings(v) for k, v in sorted(dict(conditions).items())}
                for operator, conditions in sorted(dict(value).items())
            }
        else:
            result[key] = value
    if not any(key in result for key in ("Action", "NotAction")):
        raise ValueError("every policy statement needs Action or NotAction")
    return dict(sorted(result.items()))


def _sorted_strings(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    return sorted(str(item) for item in values)


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
class _Session:
    """One bucket operation against one endpoint: the client, plus error wrapping that names both."""

    bucket: str
    connection: S3Connection
    client: Any = field(init=False)

    def __post_init__(self) -> None:
        c = self.connection
        self.client = _client(c.endpoint, c.region, c.access_key, c.secret_key)

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
                f"{operation} bucket {self.bucket!r} at {self.connection.endpoint}: could not reach the server "
                f"after retries ({type(error).__name__})"
            ) from None

    def optional(self, operation: str, method: str, **kwargs: Any) -> Any | None:
        """Like `call`, but a configuration the bucket does not have gives None."""
        try:
            return self.call(operation, method, **kwargs)
        except _ConfigurationMissing:
            return None

    def _error(self, operation: str, error: botocore.exceptions.ClientError) -> Exception:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = error.response.get("Error", {}).get("Message", "") or f"HTTP {status}"
        where = f"{operation} bucket {self.bucket!r} at {self.connection.endpoint}"
        if code in MISSING_CONFIGURATION:
            return _ConfigurationMissing(code)
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


class _ConfigurationMissing(Exception):
    pass


class BucketProvider(pulumi.dynamic.ResourceProvider):
    """CRUD for `Bucket`; constructed with no arguments and holding no credentials."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        inputs, failures = validate_inputs(BucketInputs, news)
        return pulumi.dynamic.CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = domain_diff(olds, news, keys=DOMAIN_KEYS + STORED_KEYS, replace_keys=REPLACE_KEYS)
        # Changing object lock keeps the name: the old bucket must go before the new one can exist.
        result.delete_before_replace = "object_lock" in result.replaces and "name" not in result.replaces
        return result

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        desired = BucketInputs.model_validate(_own(props))
        session = _Session(desired.name, desired.connection)
        exists = self._exists(session, "create")
        if exists and not desired.adopt:
            raise ProviderError(
                f"create bucket {desired.name!r} at {desired.connection.endpoint}: it already exists and these "
                "credentials own it. To manage it with Pulumi, set adopt=True (the bucket is then brought to the "
                "declared configuration); otherwise choose another name"
            )
        if exists:
            apply_configuration(session, read_configuration(session), desired)
            return pulumi.dynamic.CreateResult(desired.name, outputs(desired))
        self._create_bucket(session, desired)
        try:
            apply_configuration(session, _fresh_bucket(desired), desired)
        except ProviderError as error:
            raise self._roll_back(session, error) from None
        return pulumi.dynamic.CreateResult(desired.name, outputs(desired))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = BucketInputs.model_validate({**_own(props), "name": id_})
        session = _Session(id_, stored.connection)
        try:
            configuration = read_configuration(session)
        except BucketGone:
            return pulumi.dynamic.ReadResult(None, {})
        # Plain values, not re-validated: a refresh reports what the server has, even what inputs would refuse.
        outs = {**outputs(stored), **configuration}
        return pulumi.dynamic.ReadResult(id_, outs, outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        desired = BucketInputs.model_validate(_own(news))
        previous = BucketInputs.model_validate(_own(olds))
        session = _Session(desired.name, desired.connection)
        if desired.connection != previous.connection:
            # New credentials or endpoint: prove they work before they are stored; the bucket is not touched.
            self._exists(session, "update")
        apply_configuration(session, previous.model_dump(mode="json", include=set(DOMAIN_KEYS)), desired)
        return pulumi.dynamic.UpdateResult(outputs(desired))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = BucketInputs.model_validate({**_own(props), "name": id_})
        session = _Session(id_, stored.connection)
        try:
            contents = _count_contents(session)
        except BucketGone:
            return
        if contents and not stored.force_destroy:
            raise ProviderError(
                f"delete bucket {id_!r} at {stored.connection.endpoint}: it holds {contents}{'+' if contents >= DELETE_BATCH else ''} "
                "object version(s). Empty it first, or set force_destroy=True to delete the bucket with all its contents"
            )
        if contents:
            _delete_contents(session)
        try:
            session.call("delete", "delete_bucket")
        except BucketGone:
            pass

    @staticmethod
    def _exists(session: _Session, operation: str) -> bool:
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
    def _create_bucket(session: _Session, desired: BucketInputs) -> None:
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
    def _roll_back(session: _Session, error: ProviderError) -> ProviderError:
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


class Bucket(pulumi.dynamic.Resource, module="s3", name="Bucket"):
    """An S3 bucket managed through the standard S3 API (MinIO, SeaweedFS, AWS S3, ...)."""

    name: pulumi.Output[str]
    versioning: pulumi.Output[bool]
    object_lock: pulumi.Output[bool]
    encryption: pulumi.Output[str | None]
    lifecycle_rules: pulumi.Output[list[dict[str, Any]]]
    policy: pulumi.Output[dict[str, Any] | None]
    tags: pulumi.Output[dict[str, str]]
    force_destroy: pulumi.Output[bool]
    adopt: pulumi.Output[bool]
    connection: pulumi.Output[dict[str, str]]
    """Secret: it holds the secret key."""

    def __init__(self, resource_name: str, args: BucketArgs, opts: pulumi.ResourceOptions | None = None):
        props = {
            "connection": pulumi.Output.secret(args.connection),
            "name": args.name,
            "versioning": args.versioning,
            "object_lock": args.object_lock,
            "encryption": args.encryption,
            "lifecycle_rules": args.lifecycle_rules,
            "policy": args.policy,
            "tags": args.tags,
            "force_destroy": args.force_destroy,
            "adopt": args.adopt,
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=["connection"])
        super().__init__(BucketProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_outputs, opts))


def outputs(inputs: BucketInputs) -> dict[str, Any]:
    """The resource's outputs: the normalised inputs, in the same shape from create, read and update."""
    return inputs.model_dump(mode="json")


def _fresh_bucket(desired: BucketInputs) -> dict[str, Any]:
    """The configuration of a bucket just created: object lock switches versioning on by itself."""
    return {
        "versioning": desired.object_lock,
        "object_lock": desired.object_lock,
        "encryption": None,
        "lifecycle_rules": [],
        "policy": None,
        "tags": {},
    }


def read_configuration(session: _Session) -> dict[str, Any]:
    """The bucket's configuration as the server reports it, in the inputs' shape: one request per
    sub-configuration. The first one also answers whether the bucket exists (BucketGone)."""
    versioning = session.call("read", "get_bucket_versioning").get("Status") == "Enabled"
    lock = session.optional("read", "get_object_lock_configuration") or {}
    encryption_document = session.optional("read", "get_bucket_encryption")
    lifecycle = session.optional("read", "get_bucket_lifecycle_configuration") or {}
    policy = session.optional("read", "get_bucket_policy")
    tagging = session.optional("read", "get_bucket_tagging") or {}
    return {
        "versioning": versioning,
        "object_lock": lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled",
        "encryption": _encryption_from(encryption_document),
        "lifecycle_rules": sorted(
            (_rule_from(rule) for rule in lifecycle.get("Rules", [])), key=lambda rule: rule["id"]
        ),
        "policy": _policy_from(policy["Policy"]) if policy else None,
        "tags": dict(sorted((tag["Key"], tag["Value"]) for tag in tagging.get("TagSet", []))),
    }


def _policy_from(text: str) -> dict[str, Any]:
    document = json.loads(text)
    try:
        return canonical_policy(document)
    except ValueError:
        return document  # an outside edit we cannot normalise still shows up as drift


def _encryption_from(document: Mapping[str, Any] | None) -> str | None:
    rules = (document or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    for rule in rules:
        algorithm = rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
        if algorithm:
            return algorithm
    return None


def _rule_from(rule: Mapping[str, Any]) -> dict[str, Any]:
    filter_ = rule.get("Filter", {})
    prefix = filter_.get("Prefix", filter_.get("And", {}).get("Prefix", rule.get("Prefix", "")))
    return {
        "id": rule.get("ID", ""),
        "prefix": prefix or "",
        "expiration_days": rule.get("Expiration", {}).get("Days"),
        "noncurrent_expiration_days": rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
        "abort_incomplete_multipart_days": rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"),
        "enabled": rule.get("Status", "Enabled") == "Enabled",
    }


def _rule_to(rule: LifecycleRule) -> dict[str, Any]:
    document: dict[str, Any] = {
        "ID": rule.id,
        "Filter": {"Prefix": rule.prefix},
        "Status": "Enabled" if rule.enabled else "Disabled",
    }
    if rule.expiration_days:
        document["Expiration"] = {"Days": rule.expiration_days}
    if rule.noncurrent_expiration_days:
        document["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule.noncurrent_expiration_days}
    if rule.abort_incomplete_multipart_days:
        document["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule.abort_incomplete_multipart_days}
    return document


def apply_configuration(session: _Session, current: Mapping[str, Any], desired: BucketInputs) -> None:
    """Bring the bucket from `current` to `desired`, one S3 call per sub-configuration that differs."""
    want = desired.model_dump(mode="json", include=set(DOMAIN_KEYS))
    changed = [
        key
        for key in ("versioning", "encryption", "lifecycle_rules", "policy", "tags")
        if current.get(key) != want[key]
    ]
    if "versioning" in changed:
        status = "Enabled" if desired.versioning else "Suspended"
        session.call("configure versioning of", "put_bucket_versioning", VersioningConfiguration={"Status": status})
    if "encryption" in changed:
        if desired.encryption:
            rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": desired.encryption}}
            session.call(
                "configure encryption of", "put_bucket_encryption", ServerSideEncryptionConfiguration={"Rules": [rule]}
            )
        else:
            session.call("remove encryption from", "delete_bucket_encryption")
    if "lifecycle_rules" in changed:
        if desired.lifecycle_rules:
            rules = [_rule_to(rule) for rule in desired.lifecycle_rules]
            session.call(
                "configure lifecycle of", "put_bucket_lifecycle_configuration", LifecycleConfiguration={"Rules": rules}
            )
        else:
            session.call("remove lifecycle from", "delete_bucket_lifecycle")
    if "policy" in changed:
        if desired.policy:
            session.call("set policy of", "put_bucket_policy", Policy=json.dumps(desired.policy))
        else:
            session.call("remove policy from", "delete_bucket_policy")
    if "tags" in changed:
        if desired.tags:
            tag_set = [{"Key": key, "Value": value} for key, value in desired.tags.items()]
            session.call("tag", "put_bucket_tagging", Tagging={"TagSet": tag_set})
        else:
            session.call("remove tags from", "delete_bucket_tagging")


def _versions(session: _Session) -> Iterator[list[dict[str, str]]]:
    """Every object version and delete marker, a page at a time (unversioned objects have version "null")."""
    kwargs: dict[str, Any] = {"MaxKeys": DELETE_BATCH}
    while True:
        page = session.call("list the contents of", "list_object_versions", **kwargs)
        entries = [
            {"Key": item["Key"], "VersionId": item.get("VersionId") or "null"}
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if entries:
            yield entries
        if not page.get("IsTruncated"):
            return
        kwargs = {
            "MaxKeys": DELETE_BATCH,
            "KeyMarker": page.get("NextKeyMarker"),
            "VersionIdMarker": page.get("NextVersionIdMarker"),
        }


def _count_contents(session: _Session) -> int:
    """Objects and versions in the bucket, counting at most one page: any is enough to refuse."""
    first = next(_versions(session), [])
    if first:
        return len(first)
    # Some servers leave unversioned objects out of the versions listing.
    return session.call("list the contents of", "list_objects_v2", MaxKeys=1).get("KeyCount", 0)


def _delete_contents(session: _Session) -> None:
    for batch in _versions(session):
        result = session.call(
            "empty", "delete_objects", Delete={"Objects": batch, "Quiet": True}, BypassGovernanceRetention=True
        )
        errors = result.get("Errors", [])
        if errors:
            first = errors[0]
            raise ProviderError(
                f"empty bucket {session.bucket!r} at {session.connection.endpoint}: {len(errors)} object(s) could not be "
                f"deleted, e.g. {first.get('Key')!r}: {first.get('Code')} {first.get('Message')}"
            )
    while True:
        page = session.call("empty", "list_objects_v2", MaxKeys=DELETE_BATCH)
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if not keys:
            return
        session.call("empty", "delete_objects", Delete={"Objects": keys, "Quiet": True})


def _own(props: dict[str, Any]) -> dict[str, Any]:
    return domain_values(props, DOMAIN_KEYS + STORED_KEYS)
