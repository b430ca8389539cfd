"""The graph comparison used to prove that a refactor deploys the same objects."""

from __future__ import annotations

import json

from offline.graph_diff import compare


def snapshot(*resources: tuple[str, dict]) -> dict:
    rows = sorted([type_, json.dumps(inputs, sort_keys=True)] for type_, inputs in resources)
    return {"dev/minio": {"resources": rows, "outputs": "{}"}}


SECRET = ("kubernetes:core/v1:Secret", {"kind": "Secret", "metadata": {"name": "<generated>", "namespace": "dp-storage"}})
SERVICE = ("kubernetes:core/v1:Service", {"kind": "Service", "metadata": {"name": "object-storage"}, "spec": {"ports": [1]}})


def test_identical_graphs_report_no_change() -> None:
    lines = compare(snapshot(SECRET, SERVICE), snapshot(SECRET, SERVICE), details=True)
    assert lines[0] == "dev/minio: 2 → 2 resources, 2 identical; stack outputs identical"
    assert lines[-1].strip() == "Every change, over all stacks and backends:"


def test_a_changed_field_and_an_added_resource_are_named() -> None:
    changed = ("kubernetes:core/v1:Service", {**SERVICE[1], "spec": {"ports": [1], "type": "ClusterIP"}})
    component = ("data-platform:storage:Minio", {})
    lines = compare(snapshot(SECRET, SERVICE), snapshot(SECRET, changed, component), details=True)
    assert "dev/minio: 2 → 3 resources, 1 identical; stack outputs identical" in lines
    assert "     1 × kubernetes:core/v1:Service: .spec.type added" in lines
    assert "     1 × data-platform:storage:Minio: added" in lines
