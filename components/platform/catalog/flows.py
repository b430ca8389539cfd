"""Who may talk to whom, on which port: the only place a connection between services is allowed."""

from __future__ import annotations

from components.platform.catalog.model import (
    Feature,
    Flow,
    ObjectStorageBackend,
    PodSecurityLevel,
    ServiceSpec,
    Zone,
    ZoneSpec,
)
from components.platform.catalog.services import SERVICES
from components.platform.catalog.zones import ZONES

OBJECT_STORAGE = "object_storage"
"""Logical flow target: the S3 endpoint of whichever backend is deployed (see `s3_service`)."""

S3_SERVICE_BY_BACKEND: dict[ObjectStorageBackend, str | None] = {
    ObjectStorageBackend.MINIO: "minio",
    ObjectStorageBackend.SEAWEEDFS: "seaweedfs_filer",
    ObjectStorageBackend.EXTERNAL: None,
}
"""The service serving S3 for each backend; None: outside the cluster."""

FLOWS: tuple[Flow, ...] = (
    # ingestion → storage
    Flow(source="airbyte_server", target="postgresql", port_name="postgres", purpose="Airbyte config database"),
    Flow(source="airbyte_worker", target="postgresql", port_name="postgres", purpose="Airbyte job state"),
    Flow(source="airbyte_temporal", target="postgresql", port_name="postgres", purpose="Temporal persistence"),
    Flow(source="airbyte_workload_api", target="postgresql", port_name="postgres", purpose="workload queue"),
    Flow(source="airbyte_cron", target="postgresql", port_name="postgres", purpose="scheduled clean-up"),
    Flow(source="airbyte_worker", target="object_storage", port_name="s3", purpose="job logs and state"),
    Flow(source="airbyte_jobs", target="object_storage", port_name="s3", purpose="writes the bronze layer"),
    Flow(source="airbyte_server", target="object_storage", port_name="s3", purpose="reads job logs and state"),
    Flow(source="airbyte_bootloader", target="postgresql", port_name="postgres", purpose="database migrations"),
    # inside ingestion
    Flow(source="airbyte_worker", target="airbyte_temporal", port_name="grpc", purpose="workflow tasks"),
    Flow(source="airbyte_server", target="airbyte_temporal", port_name="grpc", purpose="starts workflows"),
    Flow(source="airbyte_workload_launcher", target="airbyte_workload_api", port_name="http", purpose="claims work"),
    Flow(source="airbyte_jobs", target="airbyte_workload_api", port_name="http", purpose="heartbeats"),
    Flow(source="airbyte_worker", target="airbyte_server", port_name="http", purpose="API calls"),
    Flow(source="airbyte_server", target="airbyte_metrics", port_name="statsd", purpose="StatsD metrics"),
    Flow(source="airbyte_worker", target="airbyte_metrics", port_name="statsd", purpose="StatsD metrics"),
    Flow(source="airbyte_workload_launcher", target="airbyte_metrics", port_name="statsd", purpose="StatsD metrics"),
    Flow(source="airbyte_workload_api", target="airbyte_metrics", port_name="statsd", purpose="StatsD metrics"),
    Flow(source="airbyte_cron", target="airbyte_metrics", port_name="statsd", purpose="StatsD metrics"),
    # processing → storage
    Flow(source="dremio_coordinator", target="object_storage", port_name="s3", purpose="lake source, dist storage"),
    Flow(source="dremio_executor", target="object_storage", port_name="s3", purpose="reads the lake, reflections"),
    Flow(source="dremio_coordinator", target="postgresql", port_name="postgres", purpose="PostgreSQL source"),
    Flow(source="dremio_executor", target="postgresql", port_name="postgres", purpose="PostgreSQL source"),
    Flow(source="dremio_coordinator", target="elasticsearch", port_name="http", purpose="Elasticsearch source"),
    Flow(source="dremio_executor", target="elasticsearch", port_name="http", purpose="Elasticsearch source"),
    # inside processing
    Flow(source="dremio_coordinator", target="zookeeper", port_name="client", purpose="cluster membership"),
    Flow(source="dremio_executor", target="zookeeper", port_name="client", purpose="cluster membership"),
    Flow(source="dremio_coordinator", target="dremio_executor", port_name="fabric", purpose="query fragments"),
    Flow(source="dremio_executor", target="dremio_coordinator", port_name="fabric", purpose="results"),
    Flow(source="dremio_executor", target="dremio_executor", port_name="fabric", purpose="exchanges"),
    Flow(source="dremio_coordinator", target="dremio_executor", port_name="conduit", purpose="conduit"),
    Flow(source="dremio_executor", target="dremio_coordinator", port_name="conduit", purpose="conduit"),
    Flow(source="zookeeper", target="zookeeper", port_name="peer", purpose="quorum"),
    Flow(source="zookeeper", target="zookeeper", port_name="election", purpose="leader election"),
    Flow(source="dbt", target="dremio_coordinator", port_name="web", purpose="dbt-dremio REST"),
    Flow(source="dbt", target="postgresql", port_name="postgres", purpose="run history"),
    Flow(source="dbt", target="object_storage", port_name="s3", purpose="run artifacts to the logs bucket"),
    Flow(source="dbt_exporter", target="postgresql", port_name="postgres", purpose="reads the run history"),
    Flow(source="dbt_exporter", target="dremio_coordinator", port_name="web", purpose="recent queries (sys.jobs_recent) for the slow-query metrics"),
    Flow(source="dremio_maintenance", target="dremio_coordinator", port_name="web", purpose="set-up and metadata backups"),
    Flow(source="dremio_maintenance", target="object_storage", port_name="s3", purpose="copies backups to the backups bucket"),
    # presentation
    Flow(source="superset_web", target="dremio_coordinator", port_name="flight", purpose="Arrow Flight queries"),
    Flow(source="superset_worker", target="dremio_coordinator", port_name="flight", purpose="async queries"),
    Flow(source="superset_web", target="postgresql", port_name="postgres", purpose="Superset metadata"),
    Flow(source="superset_worker", target="postgresql", port_name="postgres", purpose="Superset metadata"),
    Flow(source="superset_web", target="valkey", port_name="redis", purpose="cache and Celery broker"),
    Flow(source="superset_worker", target="valkey", port_name="redis", purpose="Celery broker"),
    Flow(source="superset_beat", target="valkey", port_name="redis", purpose="Celery broker"),
    Flow(source="superset_beat", target="postgresql", port_name="postgres", purpose="Superset metadata (schedules)"),
    Flow(source="superset_setup", target="postgresql", port_name="postgres", purpose="migrations and roles"),
    # storage replication and backups
    Flow(source="postgresql", target="postgresql", port_name="postgres", purpose="streaming replication"),
    Flow(source="postgresql", target="object_storage", port_name="s3", purpose="WAL archive, base backups"),
    Flow(source="elasticsearch", target="elasticsearch", port_name="transport", purpose="cluster transport"),
    Flow(source="elasticsearch", target="object_storage", port_name="s3", purpose="snapshots"),
    Flow(source="storage_setup", target="object_storage", port_name="s3", purpose="creates buckets and users"),
    Flow(source="offsite_mirror", target="object_storage", port_name="s3", purpose="reads what it copies offsite"),
    Flow(source="storage_setup", target="elasticsearch", port_name="http", purpose="snapshot repository and policy"),
    Flow(source="storage_setup", target="postgresql", port_name="postgres", purpose="grants a database's read-only role"),
    Flow(source="dremio_coordinator", target="postgresql", port_name="postgres", purpose="the analytics source (read-only)"),
    # object storage internals, per backend
    Flow(source="minio", target="minio", port_name="s3", purpose="erasure-coded peers"),
    Flow(source="seaweedfs_master", target="seaweedfs_master", port_name="http", purpose="raft peers"),
    Flow(source="seaweedfs_master", target="seaweedfs_master", port_name="grpc", purpose="raft peers"),
    Flow(source="seaweedfs_volume", target="seaweedfs_master", port_name="grpc", purpose="heartbeats"),
    Flow(source="seaweedfs_volume", target="seaweedfs_master", port_name="http", purpose="volume lookups"),
    Flow(source="seaweedfs_filer", target="seaweedfs_master", port_name="grpc", purpose="assign and lookup"),
    Flow(source="seaweedfs_filer", target="seaweedfs_master", port_name="http", purpose="assign and lookup"),
    Flow(source="seaweedfs_master", target="seaweedfs_volume", port_name="grpc", purpose="volume management"),
    Flow(source="seaweedfs_filer", target="seaweedfs_volume", port_name="http", purpose="chunk reads and writes"),
    Flow(source="seaweedfs_filer", target="seaweedfs_volume", port_name="grpc", purpose="chunk deletes"),
    Flow(source="seaweedfs_volume", target="seaweedfs_volume", port_name="http", purpose="replica writes"),
    Flow(source="seaweedfs_volume", target="seaweedfs_volume", port_name="grpc", purpose="replica repair"),
    Flow(source="seaweedfs_filer", target="seaweedfs_filer", port_name="grpc", purpose="shared metadata (filer group)"),
    # monitoring and logging
    Flow(source="prometheus", target="postgresql", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="dremio_executor", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="dremio_coordinator", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="zookeeper", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="dbt_exporter", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="superset_web", port_name="metrics", purpose="scrape the statsd-exporter sidecar"),
    Flow(source="prometheus", target="airbyte_metrics", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="minio", port_name="s3", purpose="scrape /minio/metrics/v3"),
    Flow(source="prometheus", target="seaweedfs_master", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="seaweedfs_volume", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="seaweedfs_filer", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="valkey", port_name="metrics", purpose="scrape the redis_exporter sidecar"),
    Flow(source="prometheus", target="node_exporter", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="log_agent", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="kube_state_metrics", port_name="http", purpose="scrape"),
    Flow(source="prometheus", target="elasticsearch_exporter", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="prometheus", port_name="http", purpose="scrape each other"),
    Flow(source="prometheus", target="prometheus", port_name="reloader", purpose="scrape the config reloader"),
    Flow(source="prometheus", target="alertmanager", port_name="reloader", purpose="scrape the config reloader"),
    Flow(source="prometheus", target="prometheus_operator", port_name="webhook", purpose="scrape (https)"),
    Flow(source="prometheus", target="grafana", port_name="http", purpose="scrape"),
    Flow(source="prometheus", target="otel_collector", port_name="metrics", purpose="scrape the metrics it received"),
    Flow(source="prometheus", target="otel_collector", port_name="telemetry", purpose="scrape"),
    Flow(source="prometheus", target="jaeger", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="cnpg_operator", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="eck_operator", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="cert_manager", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="alertmanager", port_name="http", purpose="alerts, and scrape"),
    Flow(source="prometheus", target="otel_collector", port_name="otlp-grpc", purpose="its own traces"),
    Flow(source="alertmanager", target="alertmanager", port_name="mesh", purpose="cluster gossip"),
    Flow(source="alertmanager", target="alertmanager", port_name="mesh-udp", purpose="cluster gossip"),
    Flow(source="grafana", target="prometheus", port_name="http", purpose="dashboards"),
    Flow(source="grafana", target="alertmanager", port_name="http", purpose="alert views and silences"),
    Flow(source="grafana", target="postgresql", port_name="postgres", purpose="Grafana's own database"),
    Flow(source="grafana", target="jaeger", port_name="ui", purpose="trace views (query API)"),
    Flow(source="grafana", target="otel_collector", port_name="otlp-grpc", purpose="its own traces"),
    Flow(source="elasticsearch_exporter", target="elasticsearch", port_name="http", purpose="cluster and index stats"),
    Flow(source="log_agent", target="elasticsearch", port_name="http", purpose="ships container logs"),
    Flow(source="log_setup", target="elasticsearch", port_name="http", purpose="index lifecycle policy and template"),
    Flow(source="kibana", target="elasticsearch", port_name="http", purpose="reads logs"),
    Flow(source="otel_collector", target="jaeger", port_name="otlp-grpc", purpose="forwards traces"),
    Flow(source="jaeger", target="elasticsearch", port_name="http", purpose="stores and reads traces"),
    Flow(source="trace_cleaner", target="elasticsearch", port_name="http", purpose="deletes old trace indices"),
    # operators reconcile the services they manage
    Flow(source="cnpg_operator", target="postgresql", port_name="status", purpose="instance manager status"),
    Flow(source="eck_operator", target="elasticsearch", port_name="http", purpose="cluster settings"),
    Flow(source="cnpg_operator", target="barman_cloud_plugin", port_name="grpc", purpose="backup plugin calls"),
)

SERVICES_BY_NAME: dict[str, ServiceSpec] = {service.name: service for service in SERVICES}
ZONES_BY_NAME: dict[Zone, ZoneSpec] = {zone.zone: zone for zone in ZONES}


def active_services(backend: ObjectStorageBackend, features: frozenset[Feature] = frozenset()) -> tuple[ServiceSpec, ...]:
    """The services deployed with this object-storage backend and these optional features."""
    return tuple(
        service
        for service in SERVICES
        if service.backend in (None, backend) and (service.feature is None or service.feature in features)
    )


def active_flows(backend: ObjectStorageBackend, features: frozenset[Feature] = frozenset()) -> tuple[Flow, ...]:
    """FLOWS with `object_storage` resolved to the backend's S3 service and other backends' flows dropped.

    With an external backend, flows to object storage leave the cluster; they are returned with the
    target `object_storage` unresolved, and the network layer opens them towards the external endpoint.
    """
    active = {service.name for service in active_services(backend, features)}
    s3_service = S3_SERVICE_BY_BACKEND[backend]
    resolved = []
    for flow in FLOWS:
        target = flow.target
        if target == OBJECT_STORAGE and s3_service is not None:
            target = s3_service
        if flow.source in active and (target in active or target == OBJECT_STORAGE):
            resolved.append(Flow(source=flow.source, target=target, port_name=flow.port_name, purpose=flow.purpose))
    return tuple(resolved)


def service(name: str) -> ServiceSpec:
    """The catalog entry for `name`; a KeyError names the known services."""
    try:
        return SERVICES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(sorted(SERVICES_BY_NAME))}") from None


def validate_catalog() -> None:
    """Internal consistency of the tables above; called by the tests, cheap enough to call at start-up."""
    for zone in ZONES:
        if zone.pod_security is not PodSecurityLevel.RESTRICTED and not zone.pod_security_reason:
            raise ValueError(f"zone {zone.zone} is not restricted but gives no reason")
    for flow in FLOWS:
        service(flow.source)
        if flow.target == OBJECT_STORAGE:
            if flow.port_name != "s3":
                raise ValueError(f"flow {flow.source} → object storage must use the s3 port")
            continue
        target = service(flow.target)
        if flow.port_name not in target.ports:
            raise ValueError(
                f"flow {flow.source} → {flow.target} uses port {flow.port_name!r}, "
                f"which {flow.target} does not declare ({', '.join(target.ports) or 'no ports'})"
            )
