"""Helm values from the same definitions as the platform's own pods, so a chart's pods follow the same rules.

Charts name their keys differently (`podSecurityContext` or `securityContext`, `replicaCount` or
`replicas`); each helper takes the key names and returns a fragment to merge into a release's values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.platform.kube.pods import (
    container_security_values,
    pod_security_values,
    resource_values,
    spread_constraint_values,
)
from components.platform.topology import ServiceSize


def replicated(size: ServiceSize, *, replicas_key: str = "replicaCount", resources_key: str = "resources") -> dict[str, Any]:
    """Replicas and resources from the topology."""
    return {replicas_key: size.replicas, resources_key: resource_values(size)}


def restricted(
    *,
    pod_key: str = "podSecurityContext",
    container_key: str = "containerSecurityContext",
    user_id: int | None = None,
) -> dict[str, Any]:
    """The restricted pod and container security contexts; `user_id` None keeps the chart image's own user."""
    return {pod_key: pod_security_values(user_id=user_id), container_key: container_security_values()}


def spread(
    topology_keys: Sequence[str], match_labels: Mapping[str, str], *, key: str = "topologySpreadConstraints"
) -> dict[str, Any]:
    """Spreading over the topology's failure domains, selecting the chart's own pod labels."""
    return {key: spread_constraint_values(topology_keys, match_labels)}


def volume_claim_spec(storage_gib: int, storage_class: str | None) -> dict[str, Any]:
    """A ReadWriteOnce claim of the topology's size; `storage_class` None uses the cluster's default class."""
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": f"{storage_gib}Gi"}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    return spec
