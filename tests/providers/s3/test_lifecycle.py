"""The Bucket dynamic provider against a real S3 server (SeaweedFS `weed mini`), in process and over gRPC: life cycle, drift, replacements, adoption and deletion."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.providers.s3.builders import ALL_KEYS, full_inputs
from tests.support.fault_proxy import FaultProxy
from tests.support.provider_protocol import InProcess, ProviderCallError, ProviderProcess, checked, create
from tests.support.s3_server import ADMIN, OTHER, WeedServer

# --- the whole life of a bucket -------------------------------------------------------------------------------


def test_full_lifecycle(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    connection = ADMIN.connection(server.endpoint)
    bucket_id, outs = create(provider, full_inputs("lifecycle", connection))
    assert bucket_id == "lifecycle"
    assert provider.read(bucket_id, outs).outs == outs, "a read right after create must equal create's outputs"

    changed = full_inputs(
        "lifecycle", connection, versioning=False, encryption=None, policy=None, tags={"layer": "silver"},
        lifecycle_rules=[{"id": "expire-tmp", "prefix": "tmp/", "expiration_days": 3}],
    )
    news = checked(provider, changed)
    diff = provider.diff(bucket_id, outs, news)
    assert diff.changes and diff.replaces == []
    assert diff.changed(ALL_KEYS) in (None, ["versioning", "encryption", "lifecycle_rules", "policy", "tags"])
    updated = provider.update(bucket_id, outs, news)
    assert provider.read(bucket_id, updated).outs == updated
    client = server.client()
    assert client.get_bucket_versioning(Bucket="lifecycle")["Status"] == "Suspended"
    assert client.get_bucket_tagging(Bucket="lifecycle")["TagSet"] == [{"Key": "layer", "Value": "silver"}]

    provider.delete(bucket_id, updated)
    assert provider.read(bucket_id, updated).id is None
    assert "lifecycle" not in {b["Name"] for b in client.list_buckets()["Buckets"]}


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"versioning": False, "encryption": None, "lifecycle_rules": [], "policy": None, "tags": {}},
        {"object_lock": True},
        {"tags": {"z": "last", "a": "first", "m": "middle"}},
        {"policy": {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": {"AWS": "*"},
                    "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::nodrift/*"}}},
    ],
    ids=["full", "bare", "object-lock", "tag-order", "single-statement-policy"],
)
def test_read_after_create_shows_no_drift(provider: InProcess | ProviderProcess, server: WeedServer, overrides: dict) -> None:
    bucket_id, outs = create(provider, full_inputs("nodrift", ADMIN.connection(server.endpoint), **overrides))
    read = provider.read(bucket_id, outs)
    assert read.outs == outs
    assert read.inputs == outs
    diff = provider.diff(bucket_id, read.outs, checked(provider, full_inputs("nodrift", ADMIN.connection(server.endpoint), **overrides)))
    assert not diff.changes


# --- drift -------------------------------------------------------------------------------------------------------


def _suspend_versioning(client: Any, bucket: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})


def _remove_rule(client: Any, bucket: str) -> None:
    rules = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [r for r in rules if r["ID"] != "expire-tmp"]})


def _change_rule(client: Any, bucket: str) -> None:
    rules = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    for rule in rules:
        if rule["ID"] == "expire-tmp":
            rule["Expiration"] = {"Days": 99}
    client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def _edit_policy(client: Any, bucket: str) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"],
                                                      "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def _change_tags(client: Any, bucket: str) -> None:
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "layer", "Value": "gold"}, {"Key": "added", "Value": "by-hand"}]})


def _remove_encryption(client: Any, bucket: str) -> None:
    client.delete_bucket_encryption(Bucket=bucket)


DRIFTS = {
    "versioning-suspended": (_suspend_versioning, "versioning"),
    "lifecycle-rule-removed": (_remove_rule, "lifecycle_rules"),
    "lifecycle-rule-changed": (_change_rule, "lifecycle_rules"),
    "policy-edited": (_edit_policy, "policy"),
    "tags-changed": (_change_tags, "tags"),
    "encryption-removed": (_remove_encryption, "encryption"),
}


@pytest.mark.parametrize("drift", DRIFTS)
def test_outside_change_is_detected_exactly_and_repaired(provider: InProcess | ProviderProcess, server: WeedServer, drift: str) -> None:
    inject, key = DRIFTS[drift]
    program = full_inputs("drifting", ADMIN.connection(server.endpoint))
    bucket_id, outs = create(provider, program)
    inject(server.client(), "drifting")

    read = provider.read(bucket_id, outs)
    assert [k for k in ALL_KEYS if read.outs.get(k) != outs.get(k)] == [key], "read must show exactly the changed field"
    news = checked(provider, program)
    diff = provider.diff(bucket_id, read.inputs or read.outs, news)
    assert diff.changes and diff.replaces == []
    assert diff.changed(ALL_KEYS) in (None, [key])

    repaired = provider.update(bucket_id, read.outs, news)
    assert provider.read(bucket_id, repaired).outs == outs


def test_deleted_outside_reads_as_gone(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    bucket_id, outs = create(provider, full_inputs("vanishing", ADMIN.connection(server.endpoint)))
    server.client().delete_bucket(Bucket="vanishing")
    read = provider.read(bucket_id, outs)
    assert (read.id, read.outs) == (None, {})
    provider.delete(bucket_id, outs)  # already gone: no error


# --- replacement and in-place changes ----------------------------------------------------------------------


def test_changing_object_lock_replaces_the_bucket_deleting_it_first(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    connection = ADMIN.connection(server.endpoint)
    bucket_id, outs = create(provider, full_inputs("locking", connection))
    news = checked(provider, full_inputs("locking", connection, object_lock=True))
    diff = provider.diff(bucket_id, outs, news)
    assert diff.replaces == ["object_lock"] and diff.delete_before_replace
    provider.delete(bucket_id, outs)
    _, replaced = provider.create(news)
    lock = server.client().get_object_lock_configuration(Bucket="locking")["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled" and replaced["object_lock"] is True


def test_renaming_replaces_without_deleting_first(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    connection = ADMIN.connection(server.endpoint)
    bucket_id, outs = create(provider, full_inputs("old-name", connection))
    diff = provider.diff(bucket_id, outs, checked(provider, full_inputs("new-name", connection)))
    assert diff.replaces == ["name"] and not diff.delete_before_replace


def test_force_destroy_and_key_rotation_are_in_place_without_bucket_changes(
    provider: InProcess | ProviderProcess, server: WeedServer, proxy: FaultProxy
) -> None:
    connection = ADMIN.connection(proxy.endpoint)
    bucket_id, outs = create(provider, full_inputs("inplace", connection))
    news = checked(provider, full_inputs("inplace", connection, force_destroy=True))
    diff = provider.diff(bucket_id, outs, news)
    assert diff.changes and diff.replaces == [] and diff.changed(ALL_KEYS) in (None, ["force_destroy"])
    with proxy.counting() as requests:
        outs = provider.update(bucket_id, outs, news)
    assert requests == [] and outs["force_destroy"] is True

    rotated = checked(provider, full_inputs("inplace", OTHER.connection(proxy.endpoint), force_destroy=True))
    diff = provider.diff(bucket_id, outs, rotated)
    assert diff.replaces == [] and diff.changed(ALL_KEYS) in (None, ["connection"])
    with proxy.counting() as requests:
        outs = provider.update(bucket_id, outs, rotated)
    assert [method for method, _ in requests] == ["HEAD"], "only the new credential is checked"
    assert outs["connection"]["access_key"] == OTHER.access_key


# --- existing buckets ----------------------------------------------------------------------------------------


def test_existing_bucket_is_refused_unless_adopted(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    client = server.client()
    client.create_bucket(Bucket="legacy")
    client.put_bucket_tagging(Bucket="legacy", Tagging={"TagSet": [{"Key": "old", "Value": "tag"}]})
    connection = ADMIN.connection(server.endpoint)
    with pytest.raises(ProviderCallError, match=r"already exists .* set adopt=True"):
        create(provider, full_inputs("legacy", connection))
    bucket_id, outs = create(provider, full_inputs("legacy", connection, adopt=True))
    assert provider.read(bucket_id, outs).outs == outs
    assert client.get_bucket_tagging(Bucket="legacy")["TagSet"] == [
        {"Key": "layer", "Value": "bronze"}, {"Key": "owner", "Value": "data-platform"}
    ]


# --- deleting ---------------------------------------------------------------------------------------------------


def test_delete_refuses_a_versioned_bucket_with_content_unless_forced(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    connection = ADMIN.connection(server.endpoint)
    bucket_id, outs = create(provider, full_inputs("full-of-data", connection))
    client = server.client()
    for body in (b"one", b"two"):
        client.put_object(Bucket="full-of-data", Key="data.csv", Body=body)
    client.delete_object(Bucket="full-of-data", Key="data.csv")  # only a delete marker and old versions remain
    with pytest.raises(ProviderCallError, match=r"holds 3 object version\(s\).*force_destroy=True"):
        provider.delete(bucket_id, outs)
    assert "full-of-data" in {b["Name"] for b in client.list_buckets()["Buckets"]}, "SeaweedFS must not have deleted it"

    forced = checked(provider, full_inputs("full-of-data", connection, force_destroy=True))
    outs = provider.update(bucket_id, outs, forced)
    provider.delete(bucket_id, outs)
    assert "full-of-data" not in {b["Name"] for b in client.list_buckets()["Buckets"]}


def test_force_destroy_empties_an_object_locked_bucket(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    bucket_id, outs = create(provider, full_inputs("locked-data", ADMIN.connection(server.endpoint), object_lock=True, force_destroy=True))
    client = server.client()
    client.put_object_lock_configuration(
        Bucket="locked-data",
        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}},
    )
    client.put_object(Bucket="locked-data", Key="retained.csv", Body=b"kept for a day")
    provider.delete(bucket_id, outs)
    assert "locked-data" not in {b["Name"] for b in client.list_buckets()["Buckets"]}


