"""What Prometheus scrapes: one entry per metrics endpoint of a catalog service, next to the flows that admit it.

The observability layer declares a PodMonitor per entry in the service's own namespace (`DECLARED`), except
for the pods of kube-prometheus-stack itself, whose chart declares their ServiceMonitors (`BY_CHART`). A
test holds this table, the flows from Prometheus and the services' metrics ports to each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Scrape:
    service: str
    port_name: str
    path: str = "/metrics"
    scheme: str = "http"
    by_chart: bool = False
    """Declared by kube-prometheus-stack's chart (its own components), not by the layer."""
    insecure_skip_verify: bool = False
    """Only for a self-signed metrics endpoint inside the pod network (the Prometheus operator's)."""
    pod_labels: tuple[tuple[str, str], ...] = ()
    """Labels that narrow the service's pods to those serving this endpoint (cert-manager's controller)."""


SCRAPES: tuple[Scrape, ...] = (
    # storage
    Scrape(service="minio", port_name="s3", path="/minio/metrics/v3"),
    Scrape(service="seaweedfs_master", port_name="metrics"),
    Scrape(service="seaweedfs_volume", port_name="metrics"),
    Scrape(service="seaweedfs_filer", port_name="metrics"),
    Scrape(service="postgresql", port_name="metrics"),
    Scrape(service="elasticsearch_exporter", port_name="metrics"),
    # processing and presentation
    Scrape(service="dremio_coordinator", port_name="metrics"),
    Scrape(service="dremio_executor", port_name="metrics"),
    Scrape(service="zookeeper", port_name="metrics"),
    Scrape(service="dbt_exporter", port_name="metrics"),
    Scrape(service="superset_web", port_name="metrics"),
    Scrape(service="valkey", port_name="metrics"),
    # ingestion
    Scrape(service="airbyte_metrics", port_name="metrics"),
    # observability and agents
    Scrape(service="log_agent", port_name="metrics", path="/api/v2/metrics/prometheus"),
    Scrape(service="otel_collector", port_name="metrics"),
    Scrape(service="otel_collector", port_name="telemetry"),
    Scrape(service="jaeger", port_name="metrics"),
    Scrape(service="prometheus", port_name="http", by_chart=True),
    Scrape(service="prometheus", port_name="reloader", by_chart=True),
    Scrape(service="alertmanager", port_name="http", by_chart=True),
    Scrape(service="alertmanager", port_name="reloader", by_chart=True),
    Scrape(service="prometheus_operator", port_name="webhook", scheme="https", by_chart=True, insecure_skip_verify=True),
    Scrape(service="grafana", port_name="http", by_chart=True),
    Scrape(service="kube_state_metrics", port_name="http", by_chart=True),
    Scrape(service="node_exporter", port_name="metrics", by_chart=True),
    # operators
    Scrape(service="cnpg_operator", port_name="metrics"),
    Scrape(service="eck_operator", port_name="metrics"),
    # Only the controller serves metrics; the webhook and CA injector share the release's labels.
    Scrape(service="cert_manager", port_name="metrics", pod_labels=(("app.kubernetes.io/component", "controller"),)),
)
