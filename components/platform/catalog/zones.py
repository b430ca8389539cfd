"""The network zones: one namespace each, default-deny, reachable only through declared flows."""

from __future__ import annotations

from components.platform.catalog.model import PodSecurityLevel, Zone, ZoneSpec

ZONES: tuple[ZoneSpec, ...] = (
    ZoneSpec(zone=Zone.INGESTION, description="Airbyte control plane and connector sync pods"),
    ZoneSpec(zone=Zone.STORAGE, description="Object storage, PostgreSQL and Elasticsearch"),
    ZoneSpec(zone=Zone.PROCESSING, description="Dremio coordinator, executors, ZooKeeper and dbt jobs"),
    ZoneSpec(zone=Zone.PRESENTATION, description="Superset web, workers and its cache"),
    ZoneSpec(zone=Zone.OBSERVABILITY, description="Prometheus, Alertmanager, Grafana, kube-state-metrics"),
    ZoneSpec(
        zone=Zone.NODE_AGENTS,
        description="Node exporter and the log shipper, one pod per host",
        pod_security=PodSecurityLevel.PRIVILEGED,
        pod_security_reason=(
            "node metrics and container logs can only be read from the host: the log shipper mounts "
            "/var/log/pods (hostPath) and node-exporter needs hostPID, hostNetwork and a read-only "
            "host root mount. Nothing else may run here."
        ),
    ),
    ZoneSpec(zone=Zone.OPERATORS, description="CloudNativePG, its backup plugin, ECK and cert-manager"),
    ZoneSpec(
        zone=Zone.EDGE,
        description="The Gateway (and, with most Gateway controllers, its proxies): the only way in from outside",
        pod_security=PodSecurityLevel.BASELINE,
        pod_security_reason=(
            "the Gateway's proxy pods are rendered by the cluster's Gateway controller (Istio, NGINX Gateway "
            "Fabric, Envoy Gateway in namespaced mode), whose pod specs the platform does not choose; baseline "
            "still refuses host namespaces, privileged containers and added capabilities."
        ),
    ),
)
