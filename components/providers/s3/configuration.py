"""A bucket's configuration as the server reports it, in the inputs' shape, and the fewest writes to change it;
its contents, for delete."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from components.providers.base.contract import ProviderError
from components.providers.s3.inputs import BucketInputs, LifecycleRule, canonical_policy
from components.providers.s3.session import Session

DELETE_BATCH = 1000
CONFIGURATION_KEYS = ("versioning", "encryption", "lifecycle_rules", "policy", "tags")
"""What `apply_configuration` can change on an existing bucket (name and object lock replace it)."""


def fresh_bucket(desired: BucketInputs) -> dict[str, Any]:
    """The configuration of a bucket just created: object lock switches versioning on by itself."""
    return {
        "versioning": desired.object_lock,
        "object_lock": desired.object_lock,
        "encryption": None,
        "lifecycle_rules": [],
        "policy": None,
        "tags": {},
    }


def read_configuration(session: Session) -> dict[str, Any]:
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


def apply_configuration(session: Session, current: Mapping[str, Any], desired: BucketInputs) -> None:
    """Bring the bucket from `current` to `desired`, one S3 call per sub-configuration that differs."""
    want = desired.model_dump(mode="json", include=set(CONFIGURATION_KEYS))
    changed = [key for key in CONFIGURATION_KEYS if current.get(key) != want[key]]
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


def _versions(session: Session) -> Iterator[list[dict[str, str]]]:
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


def count_contents(session: Session) -> int:
    """Objects and versions in the bucket, counting at most one page: any is enough to refuse."""
    first = next(_versions(session), [])
    if first:
        return len(first)
    # Some servers leave unversioned objects out of the versions listing.
    return session.call("list the contents of", "list_objects_v2", MaxKeys=1).get("KeyCount", 0)


def delete_contents(session: Session) -> None:
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
