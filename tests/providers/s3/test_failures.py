"""The Bucket dynamic provider against a real S3 server (SeaweedFS `weed mini`), in process and over gRPC: bad input, credentials, transient errors, servers going away, the pickled provider."""

from __future__ import annotations

import base64
import copy
import json
import time

import pytest

from components.providers.s3.bucket import BucketProvider
from tests.providers.s3.builders import full_inputs
from tests.support.fault_proxy import FaultProxy
from tests.support.provider_protocol import InProcess, ProviderCallError, ProviderProcess, checked, create
from tests.support.s3_server import ADMIN, OTHER, WeedServer

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
    from tests.support.stacks import PROJECT_ROOT, stack_config

    config, secret_keys = stack_config("dev")
    graph = evaluate_stack("dev", config=config, secret_keys=secret_keys, program=PROJECT_ROOT / "tests" / "support" / "programs" / "bucket.py")
    (record,) = graph.of_type("pulumi-python:dynamic/s3:Bucket")
    assert rpc.is_rpc_secret(record.inputs["connection"]), "the connection input must be secret"
    assert rpc.is_rpc_secret(record.inputs["__provider"])
    blob = base64.b64decode(rpc.unwrap_rpc_secret(record.inputs["__provider"]))
    assert b"program-secret-value" not in blob and b"PROGRAMKEY" not in blob
    assert "program-secret-value" not in json.dumps({k: v for k, v in record.inputs.items() if not rpc.is_rpc_secret(v)})

