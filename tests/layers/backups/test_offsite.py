"""The offsite copy under mocks, per topology: the aws resources only when enabled (off in dev), versioned,
encrypted, private, expiring after the retention, locked on request; the mirror's IAM policy no broader than the
offsite bucket and without delete; its keys only in a Secret; the CronJob after the backups and the dbt run."""

from __future__ import annotations

import functools
import json

import pytest
from pulumi.runtime import rpc

from components.layers.backups.layer import mirror_policy
from offline.graph import StackGraph, evaluate_stack, unwrap_secrets
from tests.support.stacks import STACKS, shipped_settings, stack_config, stack_graph


@functools.cache
def graph_with(stack: str, backups: str, secrets: tuple[str, ...] = ()) -> StackGraph:
    config, secret_keys = stack_config(stack, backups=json.loads(backups))
    for key in secrets:
        config[f"data-platform:{key}"] = f"mock-config-secret-{key}"
        secret_keys.append(f"data-platform:{key}")
    return evaluate_stack(stack, config=config, secret_keys=secret_keys)


def aws(graph: StackGraph) -> dict[str, dict]:
    return {r.type.split(":", 1)[1]: unwrap_secrets(r.inputs) for r in graph.resources if r.type.startswith("aws:")}


@pytest.mark.parametrize("stack", STACKS)
def test_offsite_is_off_in_dev_and_on_elsewhere(stack: str) -> None:
    found = aws(stack_graph(stack))
    if stack == "dev":
        assert found == {} and not [r for r in stack_graph(stack).resources if r.name.startswith("backups")]
        return
    settings = shipped_settings(stack)
    assert found["s3/bucket:Bucket"]["bucketPrefix"] == "data-platform-offsite-"
    assert found["s3/bucketVersioning:BucketVersioning"]["versioningConfiguration"] == {"status": "Enabled"}
    (rule,) = found["s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"]["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    block = found["s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    (lifecycle,) = found["s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"]["rules"]
    days = settings.config.backups.retention_days
    assert lifecycle["expiration"] == {"days": days} and lifecycle["noncurrentVersionExpiration"] == {"noncurrentDays": days}
    assert "s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration" not in found
    bucket = next(r for r in stack_graph(stack).resources if r.type == "aws:s3/bucket:Bucket")
    assert bucket.protect is True


def test_the_mirror_policy_reaches_the_offsite_bucket_only_and_never_deletes() -> None:
    policy = json.loads(mirror_policy("arn:aws:s3:::data-platform-offsite-abc"))
    resources = {r for statement in policy["Statement"] for r in [statement["Resource"]]}
    assert resources == {"arn:aws:s3:::data-platform-offsite-abc", "arn:aws:s3:::data-platform-offsite-abc/*"}
    actions = {a for statement in policy["Statement"] for a in statement["Action"]}
    assert actions <= {"s3:ListBucket", "s3:GetBucketLocation", "s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload",
                       "s3:ListMultipartUploadParts"}
    assert not any("Delete" in a or a.endswith("*") for a in actions)


def test_the_keys_reach_only_a_secret() -> None:
    graph = stack_graph("prod")
    (key,) = [r for r in graph.resources if r.type == "aws:iam/accessKey:AccessKey"]
    (secret,) = [r for r in graph.resources if r.name == "backups-mirror-offsite-credentials"]
    assert rpc.is_rpc_secret(secret.inputs["stringData"])
    # The bucket's name is computed (unknown under mocks); no output carries a key.
    assert set(unwrap_secrets(graph.outputs["backups"])) <= {"offsite_bucket", "mirror_schedule_utc"}
    assert key.urn in secret.dependencies


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_mirror_runs_after_the_backups_and_the_dbt_run(stack: str) -> None:
    settings = shipped_settings(stack)
    (cron,) = [unwrap_secrets(r.inputs) for r in stack_graph(stack).resources if r.name == "backups-mirror"]
    minute, hour = cron["spec"]["schedule"].split()[:2]
    dbt_minute, dbt_hour = settings.config.dbt.schedule.split()[:2]
    backups_hour = settings.config.backups.base_backup_hour_utc
    assert int(hour) * 60 + int(minute) > backups_hour * 60 + 30 > int(dbt_hour) * 60 + int(dbt_minute)
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"].startswith("docker.io/rclone/rclone:1.75.1@sha256:")
    assert not [e for e in container["env"] if "valueFrom" in e], "the keys are files, read by the script"
    assert cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 6 * 3600


def test_an_s3_compatible_endpoint_needs_its_keys_and_gets_no_iam() -> None:
    from components.platform.settings.loading import SettingsError

    offsite = {"offsite": {"endpoint": "https://s3.example.net", "object_lock_days": 14}}
    with pytest.raises(SettingsError, match="offsite_access_key: required with backups.offsite.endpoint"):
        shipped_settings("staging", backups=offsite)
    graph = graph_with("staging", json.dumps(offsite), ("offsite_access_key", "offsite_secret_key"))
    found = aws(graph)
    assert "iam/user:User" not in found and "s3/bucketPublicAccessBlock:BucketPublicAccessBlock" not in found
    lock = found["s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"]["rule"]["defaultRetention"]
    assert lock == {"mode": "GOVERNANCE", "days": 14}
    (provider,) = [unwrap_secrets(r.inputs) for r in graph.resources if r.type == "pulumi:providers:aws"]
    assert "https://s3.example.net" in json.dumps(provider) and provider["s3UsePathStyle"] in (True, "true")


def test_the_access_keys_secret_output_is_marked_secret_by_its_sdk() -> None:
    """The mock engine cannot apply it, so the storage tests trust it: pulumi-aws itself marks `secret` secret."""
    import inspect

    import pulumi_aws

    source = inspect.getsource(pulumi_aws.iam.AccessKey._internal_init)
    assert 'additional_secret_outputs=["secret"' in source


@pytest.mark.parametrize(("stack", "enabled"), [("dev", True), ("prod", False)])
def test_every_stack_evaluates_with_offsite_switched_the_other_way(stack: str, enabled: bool) -> None:
    config, secret_keys = stack_config(stack)
    backups = json.loads(config.get("data-platform:backups", "{}"))
    config["data-platform:backups"] = json.dumps({**backups, "offsite": {"enabled": enabled}})
    graph = evaluate_stack(stack, config=config, secret_keys=secret_keys)
    assert bool(aws(graph)) is enabled
    assert bool([r for r in graph.resources if r.name == "backups-mirror"]) is enabled
    assert bool([r for r in graph.resources if r.name == "network-offsite-mirror-to-offsite"]) is enabled
