"""Data that `pulumi destroy` and replacements cannot take: in staging and prod every resource that holds data is
protected (or, for buckets, retained), volume claims outlive their StatefulSets, and a setting lifts the guards
for a decommission."""

from __future__ import annotations

import json

import pytest

from offline.graph import StackGraph, evaluate_stack, unwrap_secrets
from tests.support.stacks import STACKS, backend_graph, stack_config, stack_graph

STORE_PREFIX = {"minio": "storage-objects-minio-", "seaweedfs": "storage-objects-seaweedfs-"}
"""The object store's StatefulSets (MinIO's servers; SeaweedFS's masters, filers and volume servers)."""
ALWAYS = {"storage-postgresql-cluster", "storage-elasticsearch-cluster", "processing-dremio-coordinators"}


def guarded(graph: StackGraph) -> tuple[set[str], set[str]]:
    protected = {r.name for r in graph.resources if r.protect}
    retained = {r.name for r in graph.resources if r.retain_on_delete}
    return protected, retained


@pytest.mark.parametrize("backend", ["minio", "seaweedfs"])
@pytest.mark.parametrize("stack", STACKS)
def test_every_data_bearing_resource_is_guarded_outside_dev(stack: str, backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    graph = backend_graph(stack, backend)
    protected, retained = guarded(graph)
    buckets = {r.name for r in graph.resources if r.name.startswith("wiring-bucket-")}
    assert buckets and buckets <= retained, "the lake's buckets are kept whatever happens to their resources"
    if stack == "dev":
        assert protected == set()
        return
    stores = {r.name for r in graph.resources if r.type == "kubernetes:apps/v1:StatefulSet" and r.name.startswith(STORE_PREFIX[backend])}
    assert stores
    expected = ALWAYS | stores
    assert expected <= protected, expected - protected
    assert protected <= expected | {r.name for r in graph.resources if r.name.startswith("backups-offsite")}, protected - expected
    with capsys.disabled():
        print(f"\n{stack}/{backend}: protected {sorted(protected)}; retained {len(retained)} buckets")


@pytest.mark.parametrize("stack", STACKS)
def test_volume_claims_outlive_scale_down_and_delete(stack: str) -> None:
    for record in stack_graph(stack).resources:
        if record.type == "kubernetes:apps/v1:StatefulSet":
            spec = unwrap_secrets(record.inputs)["spec"]
            if spec.get("volumeClaimTemplates"):
                assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}, record.name


def test_a_decommission_lifts_the_guards() -> None:
    config, secret_keys = stack_config("prod")
    cluster = json.loads(config["data-platform:cluster"])
    config["data-platform:cluster"] = json.dumps({**cluster, "allow_data_deletion": True})
    graph = evaluate_stack("prod", config=config, secret_keys=secret_keys)
    protected, _ = guarded(graph)
    assert protected == set()
    assert json.dumps(sorted(protected)) == "[]"
