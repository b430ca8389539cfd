"""Restores declared in the stack (`restore.*`), under mocks: each declares exactly the recovery objects the
operator or tool documents (CloudNativePG's `bootstrap.recovery` from the Barman Cloud object store; an
Elasticsearch `_restore` of one snapshot), and nothing else in the stack changes."""

from __future__ import annotations

import functools
import json

import pytest

from components.platform.settings.loading import SettingsError
from offline.graph import StackGraph, evaluate_stack, unwrap_secrets
from offline.manifests import integral_numbers
from tests.support.stacks import shipped_settings, stack_config, stack_graph


@functools.cache
def graph_with(restore: str) -> StackGraph:
    config, secret_keys = stack_config("staging", restore=json.loads(restore))
    return evaluate_stack("staging", config=config, secret_keys=secret_keys)


def inputs_by_name(graph: StackGraph) -> dict[str, str]:
    return {r.name: json.dumps(integral_numbers(unwrap_secrets(r.inputs)), sort_keys=True) for r in graph.resources}


def changed(graph: StackGraph) -> tuple[set[str], set[str]]:
    before, after = inputs_by_name(stack_graph("staging")), inputs_by_name(graph)
    return {n for n in before.keys() & after.keys() if before[n] != after[n]}, set(after) - set(before)


@pytest.mark.parametrize(
    ("target", "recovery"),
    [
        ("latest", {"source": "origin"}),
        ("2026-12-04T09:30:00Z", {"source": "origin", "recoveryTarget": {"targetTime": "2026-12-04T09:30:00Z"}}),
        ("20261204T030000", {"source": "origin", "recoveryTarget": {"backupID": "20261204T030000"}}),
    ],
)
def test_postgresql_is_created_by_recovery_and_nothing_else_changes(target: str, recovery: dict) -> None:
    graph = graph_with(json.dumps({"postgresql": {"from_backup": target}}))
    differing, added = changed(graph)
    assert (differing, added) == ({"storage-postgresql-cluster"}, set())
    (cluster,) = [unwrap_secrets(r.inputs) for r in graph.resources if r.name == "storage-postgresql-cluster"]
    spec = cluster["spec"]
    assert spec["bootstrap"] == {"recovery": recovery}
    (origin,) = spec["externalClusters"]
    assert origin["plugin"]["parameters"] == {"barmanObjectName": "postgresql-backups", "serverName": "postgresql"}
    (archiver,) = spec["plugins"]
    assert archiver["isWALArchiver"] is True and archiver["parameters"]["serverName"] == "postgresql-recovered"


def test_an_elasticsearch_snapshot_is_restored_by_one_job_and_nothing_else_changes() -> None:
    graph = graph_with(json.dumps({"elasticsearch": {"snapshot": "daily-2026.12.04"}}))
    differing, added = changed(graph)
    assert differing == set() and added == {"storage-elasticsearch-restore-daily-2026-12-04"}
    (job,) = [unwrap_secrets(r.inputs) for r in graph.resources if r.name in added]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    script = " ".join([*(container.get("command") or []), *(container.get("args") or [])])
    assert "/_snapshot/backups/daily-2026.12.04/_restore?wait_for_completion=true" in script
    assert '"include_global_state": false' in script and '"indices": "logs-*,jaeger-*"' in script


@pytest.mark.parametrize(
    ("restore", "named"),
    [
        ({"postgresql": {"from_backup": "yesterday"}}, "restore.postgresql.from_backup"),
        ({"postgresql": {"from_backup": "2026-12-04T09:30:00"}}, "with its zone"),
        ({"elasticsearch": {"snapshot": "Daily Snapshot"}}, "restore.elasticsearch.snapshot"),
    ],
)
def test_a_bad_restore_setting_is_refused_naming_the_key(restore: dict, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        shipped_settings("staging", restore=restore)


def test_a_dremio_backup_is_restored_by_the_coordinators_init_containers_and_nothing_else_changes() -> None:
    graph = graph_with(json.dumps({"dremio": {"backup": "20261204T033000Z"}}))
    differing, added = changed(graph)
    assert (differing, added) == ({"processing-dremio-coordinators"}, set())
    (coordinator,) = [unwrap_secrets(r.inputs) for r in graph.resources if r.name == "processing-dremio-coordinators"]
    pod = coordinator["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["config", "fetch-backup", "restore-backup"]
    fetch, apply = pod["initContainers"][1:]
    env = {e["name"]: e.get("value") for e in fetch["env"]}
    assert env["BACKUP_STAMP"] == "20261204T033000Z" and env["BACKUPS_PREFIX"] == "dremio" and env["BACKUPS_BUCKET"].endswith("backups")
    assert apply["command"] == ["sh", "/scripts/restore-backup.sh", "apply"]
    assert {"name": "backup-credentials", "mountPath": "/s3/backups", "readOnly": True} in fetch["volumeMounts"]
