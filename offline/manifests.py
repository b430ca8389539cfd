"""Turn a captured graph into the Kubernetes manifests the real provider would send to the API server.

Typed Kubernetes resources register inputs that already are complete manifests (apiVersion, kind,
camelCase). Two differences are repaired here: numbers cross the mock engine as floats (`replicas: 3.0`),
and `metadata.name` is absent where Pulumi auto-names (the mock's stand-in name is used). Helm releases
cannot be rendered offline (no helm binary); they are returned separately so checks can look at their
values. Server-side apply patches (`...Patch` types) change objects a chart renders; they are returned
separately too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from offline.graph import ResourceRecord, StackGraph, unwrap_secrets

HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"

POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


@dataclass(frozen=True)
class Manifest:
    record: ResourceRecord
    document: dict[str, Any]

    @property
    def api_version(self) -> str:
        return self.document["apiVersion"]

    @property
    def kind(self) -> str:
        return self.document["kind"]

    @property
    def name(self) -> str:
        return self.document["metadata"]["name"]

    @property
    def namespace(self) -> str | None:
        return self.document["metadata"].get("namespace")

    @property
    def identity(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


def kubernetes_manifests(graph: StackGraph) -> list[Manifest]:
    """Every Kubernetes object of the graph, as the API server would receive it."""
    manifests = []
    for record in graph.resources:
        if not record.custom or not record.type.startswith("kubernetes:") or record.type == HELM_RELEASE_TYPE:
            continue
        if record.type.endswith("Patch"):
            continue  # a change to an object someone else declares (see `patches`), not an object
        document = integral_numbers(unwrap_secrets(record.inputs))
        if "apiVersion" not in document or "kind" not in document:
            continue
        metadata = dict(document.get("metadata") or {})
        metadata.setdefault("name", record.state.get("metadata", {}).get("name", f"{record.name}-mock"))
        document["metadata"] = metadata
        manifests.append(Manifest(record=record, document=document))
    return manifests


def patches(graph: StackGraph) -> list[ResourceRecord]:
    """Server-side apply patches of objects the program does not declare (e.g. a chart's Deployments)."""
    return [r for r in graph.resources if r.custom and r.type.startswith("kubernetes:") and r.type.endswith("Patch")]


def helm_releases(graph: StackGraph) -> list[ResourceRecord]:
    return graph.of_type(HELM_RELEASE_TYPE)


def pod_templates(manifests: Iterable[Manifest]) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """(manifest, pod spec) for every object that carries a pod: workloads, CronJobs and bare Pods."""
    for manifest in manifests:
        spec = manifest.document.get("spec") or {}
        if manifest.kind in POD_TEMPLATE_KINDS:
            yield manifest, spec.get("template", {})
        elif manifest.kind == "CronJob":
            yield manifest, spec.get("jobTemplate", {}).get("spec", {}).get("template", {})
        elif manifest.kind == "Pod":
            yield manifest, manifest.document


def integral_numbers(value: Any) -> Any:
    """Floats that are whole numbers become ints (the mock engine sends every number as a double)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integral_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral_numbers(item) for item in value]
    return value


def write_manifests(manifests: Iterable[Manifest], directory: Path) -> list[Path]:
    """One YAML file per object (checkov reports findings per file and resource)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, manifest in enumerate(manifests):
        safe = f"{index:03d}-{manifest.kind}-{manifest.name}".replace("/", "_").lower()
        path = directory / f"{safe}.yaml"
        path.write_text(yaml.safe_dump(manifest.document, sort_keys=False))
        paths.append(path)
    return paths
