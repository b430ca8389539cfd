"""The Bucket dynamic provider against a real S3 server (SeaweedFS `weed mini`), in process and over gRPC."""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from components.providers.bucket import DOMAIN_KEYS, STORED_KEYS, BucketProvider
from tests.fault_proxy import FaultProxy
from tests.provider_protocol import InProcess, ProviderCallError, ProviderProcess, checked, create
from tests.s3_server import ADMIN, OTHER, WeedServer

ALL_KEYS = DOMAIN_KEYS + STORED_KEYS


@pytest.fixture(scope="module")
def server() -> Iterator[WeedServer]:
    weed = WeedServer()
    weed.start()
    yield weed
    weed.cleanup()


@pytest.fixture(scope="module")
def proxy(server: WeedServer) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy("127.0.0.1", server.base_port + 6).start()
    yield fault_proxy
    fault_proxy.stop()


@pytest.fixture(autouse=True)
def clean(server: WeedServer, proxy: FaultProxy) -> Iterator[None]:
    proxy.heal()
    yield
    proxy.heal()
    server.empty()


@pytest.fixture(params=["in-process", "grpc"], scope="module")
def provider(request: pytest.FixtureRequest) -> Iterator[InProcess | ProviderProcess]:
    if request.param == "in-process":
        yield InProcess(BucketProvider())
    else:
        with ProviderProcess(BucketProvider(), "pulumi-python:dynamic/s3:Bucket") as process:
            yield process


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


# --- validation ----------------------------------------------------------------------------------------------------


BAD_INPUTS = {
    "upper-case name": ({"name": "Bronze"}, "name"),
    "underscore in name": ({"name": "bronze_layer"}, "name"),
    "leading hyphen": ({"name": "-bronze"}, "name"),
    "too short": ({"name": "ab"}, "name"),
    "too long": ({"name": "a" * 64}, "name"),
    "IP address": ({"name": "192.168.1.1"}, "name"),
    "reserved prefix": ({"name": "xn--bucket"}, "name"),
    "duplicate rule ids": ({"lifecycle_rules": [{"id": "x", "expiration_days": 1}, {"id": "x", "expiration_days": 2}]}, "lifecycle_rules"),
    "negative days": ({"lifecycle_rules": [{"id": "x", "expiration_days": -1}]}, "lifecycle_rules"),
    "zero days": ({"lifecycle_rules": [{"id": "x", "noncurrent_expiration_days": 0}]}, "lifecycle_rules"),
    "rule without action": ({"lifecycle_rules": [{"id": "x", "prefix": "tmp/"}]}, "lifecycle_rules"),
    "policy without Statement": ({"policy": {"Version": "2012-10-17"}}, "policy"),
    "policy not an object": ({"policy": "allow everything"}, "policy"),
    "statement without Effect": ({"policy": {"Version": "2012-10-17", "Statement": [{"Action": "s3:*"}]}}, "policy"),
    "unsupported encryption": ({"encryption": "aws:kms"}, "encryption"),
    "lock without versioning": ({"object_lock": True, "versioning": False}, "object_lock"),
    "too many tags": ({"tags": {f"k{i}": "v" for i in range(51)}}, "tags"),
    "reserved tag key": ({"tags": {"aws:owner": "me"}}, "tags"),
    "unknown property": ({"versionning": True}, "versionning"),
    "bad endpoint": ({"connection": {"endpoint": "minio:9000", "access_key": "a", "secret_key": "b"}}, "connection"),
    "string for a flag": ({"versioning": "yes"}, "versioning"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_rejected_at_check_without_a_request(provider: InProcess | ProviderProcess, proxy: FaultProxy, case: str) -> None:
    overrides, field = BAD_INPUTS[case]
    news = full_inputs("valid-name", ADMIN.connection(proxy.endpoint))
    news.update(copy.deepcopy(overrides))
    with proxy.counting() as requests:
        _, failures = provider.check(news)
    assert requests == [], "check must not touch the network"
    assert failures, f"{case} was accepted"
    properties = {property_ for property_, _ in failures}
    if field == "object_lock":
        assert any("object_lock needs versioning" in reason for _, reason in failures)
    else:
        assert field in properties, failures
    for _, reason in failures:
        assert ADMIN.secret_key not in reason


# --- credentials, servers going away, transient errors -----------------------------------------------------------


def test_wrong_secret_key_gives_a_clear_authentication_error(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    wrong = {**ADMIN.connection(server.endpoint), "secret_key": "not-the-secret-key"}
    for attempt in (lambda: create(provider, full_inputs("denied", wrong)), lambda: provider.read("denied", full_inputs("denied", wrong))):
        with pytest.raises(ProviderCallError) as caught:
            attempt()
        message = str(caught.value)
        assert "authentication failed (SignatureDoesNotMatch" in message
        assert server.endpoint in message and "'denied'" in message
        assert "not-the-secret-key" not in message and ADMIN.secret_key not in message


def test_transient_503_is_retried(provider: InProcess | ProviderProcess, proxy: FaultProxy, server: WeedServer) -> None:
    proxy.fail_next(2)
    with proxy.counting() as requests:
        bucket_id, outs = create(provider, full_inputs("retried", ADMIN.connection(proxy.endpoint)))
    assert bucket_id == "retried"
    assert requests[:3] == [("HEAD", "/retried")] * 3, "two 503s, then the real answer"
    assert provider.read(bucket_id, outs).outs == outs


def test_a_lost_create_response_is_not_mistaken_for_an_existing_bucket(provider: InProcess | ProviderProcess, proxy: FaultProxy, server: WeedServer) -> None:
    """The create reaches the server but its answer is lost; botocore retries and meets our own bucket."""
    inputs = checked(provider, full_inputs("lost-answer", ADMIN.connection(proxy.endpoint)))
    proxy.lose_response_to("PUT", "/lost-answer")
    with proxy.counting() as requests:
        bucket_id, _ = provider.create(inputs)
    creates = [request for request in requests if request == ("PUT", "/lost-answer")]
    assert bucket_id == "lost-answer" and len(creates) == 2, "exactly one retry of the create, answered 'already yours'"


def test_server_going_away_mid_create_is_reported_and_recoverable(provider: InProcess | ProviderProcess, proxy: FaultProxy, server: WeedServer) -> None:
    connection = ADMIN.connection(proxy.endpoint)
    inputs = checked(provider, full_inputs("interrupted", connection))
    proxy.go_dark(after=2)  # HEAD and the bucket creation get through, everything after is dropped
    started = time.monotonic()
    with pytest.raises(ProviderCallError) as caught:
        provider.create(inputs)
    message = str(caught.value)
    assert "could not reach the server after retries" in message and proxy.endpoint in message
    assert "adopt=True" in message, "the half-created bucket could not be removed: the message says how to recover"
    assert time.monotonic() - started < 120
    proxy.heal()
    assert "interrupted" in {b["Name"] for b in server.client().list_buckets()["Buckets"]}
    bucket_id, outs = provider.create(checked(provider, full_inputs("interrupted", connection, adopt=True)))
    assert provider.read(bucket_id, outs).outs == outs


def test_failed_configuration_rolls_the_new_bucket_back(provider: InProcess | ProviderProcess, server: WeedServer) -> None:
    """A policy the server refuses (SeaweedFS rejects a Resource naming another bucket) fails the create,
    and the bucket made a moment earlier is removed again."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
                                                      "Resource": ["arn:aws:s3:::some-other-bucket/*"]}]}
    with pytest.raises(ProviderCallError, match=r"set policy of bucket 'refused'.*nothing was created"):
        create(provider, full_inputs("refused", ADMIN.connection(server.endpoint), policy=policy))
    assert "refused" not in {b["Name"] for b in server.client().list_buckets()["Buckets"]}


# --- credentials stay out of the pickled provider ---------------------------------------------------------------


def test_the_serialised_provider_holds_no_credential() -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    blob = base64.b64decode(serialize_provider(BucketProvider()))
    assert len(blob) < 300, "pickled by reference, not by value"
    for secret in (ADMIN.secret_key, ADMIN.access_key, OTHER.secret_key):
        assert secret.encode() not in blob


def test_the_resource_keeps_its_connection_secret_under_the_engine() -> None:
    from pulumi.runtime import rpc

    from offline.graph import evaluate_stack
    from tests.conftest import PROJECT_ROOT, stack_config

    config, secret_keys = stack_config("dev")
    graph = evaluate_stack("dev", config=config, secret_keys=secret_keys, program=PROJECT_ROOT / "tests" / "programs" / "bucket.py")
    (record,) = graph.of_type("pulumi-python:dynamic/s3:Bucket")
    assert rpc.is_rpc_secret(record.inputs["connection"]), "the connection input must be secret"
    assert rpc.is_rpc_secret(record.inputs["__provider"])
    blob = base64.b64decode(rpc.unwrap_rpc_secret(record.inputs["__provider"]))
    assert b"program-secret-value" not in blob and b"PROGRAMKEY" not in blob
    assert "program-secret-value" not in json.dumps({k: v for k, v in record.inputs.items() if not rpc.is_rpc_secret(v)})
