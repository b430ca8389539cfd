"""The Bucket's inputs, declared once and validated offline: S3's naming rules, lifecycle rules, policies, tags."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from components.providers.base.contract import ProviderInputs
from components.providers.base.http import Reach, base_url

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
_POLICY_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
MAX_TAGS = 50

PositiveDays = Annotated[int, Field(ge=1, le=36500)]


class S3Connection(Reach):
    """The `connection` input: the S3 endpoint and a key pair (with `tunnel`, the endpoint is the store's
    in-cluster address, reached through port-forwarding; in-cluster stores speak plain HTTP)."""

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


class BucketInputs(ProviderInputs):
    flags: ClassVar[frozenset[str]] = frozenset({"connection", "adopt", "force_destroy"})

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
