"""The platform's fixed architecture: which services exist, where they live and who talks to whom.

Everything here is the same for every stack. The *numbers* (replicas, sizes) live in
`components.topology`; this module holds the facts that do not change with a topology, so that a
topology changes numbers and never code paths.

Three things are derived from this one table, which is why it exists:

* the network zones (namespaces) and their NetworkPolicies (`components.network`),
* the capacity check (`components.capacity`), which needs each service's placement kind,
* the architecture diagram of the offline plan (`offline.plan`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Zone(enum.StrEnum):
    """A network zone: one namespace, default-deny, reachable only through declared flows."""

    INGESTION = "ingestion"
    STORAGE = "storage"
    PROCESSING = "processing"
    PRESENTATION = "presentation"
    OBSERVABILITY = "observability"
    NODE_AGENTS = "node-agents"
    OPERATORS = "operators"


class Layer(enum.StrEnum):
    """The platform layer a service belongs to (one ComponentResource per layer)."""

    INGESTION = "ingestion"
    STORAGE = "storage"
    PROCESSING = "processing"
    PRESENTATION = "presentation"
    MONITORING = "monitoring"
    OPERATORS = "operators"


class Placement(enum.StrEnum):
    """How a service's pods are placed, which decides how the capacity check counts them."""

    STATELESS = "stateless"
    """A Deployment: replicas move freely after a host or zone is lost."""
    STATEFUL = "stateful"
    """A StatefulSet or operator-managed set of members with their own volumes."""
    PER_HOST = "per-host"
    """A DaemonSet: one pod on every host; it disappears with its host."""
    JOB_SLOTS = "job-slots"
    """Pods started on demand (connector syncs, dbt runs); `replicas` is the number of concurrent slots."""


class ObjectStorageBackend(enum.StrEnum):
    """Which S3 implementation serves the data lake (setting `object_storage.backend`)."""

    MINIO = "minio"
    SEAWEEDFS = "seaweedfs"
    EXTERNAL = "external"


class PodSecurityLevel(enum.StrEnum):
    """Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/)."""

    RESTRICTED = "restricted"
    BASELINE = "baseline"
    PRIVILEGED = "privileged"


@dataclass(frozen=True, kw_only=True)
class ZoneSpec:
    zone: Zone
    description: str
    pod_security: PodSecurityLevel = PodSecurityLevel.RESTRICTED
    pod_security_reason: str | None = None
    """Required when `pod_security` is weaker than restricted: why this zone cannot be restricted."""


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    name: str
    """Catalog key, also the key of `services.<name>` in stack config (snake_case)."""
    layer: Layer
    zone: Zone
    placement: Placement
    app: str
    """`app.kubernetes.io/name` of the service's pods."""
    component: str
    """`app.kubernetes.io/component` of the service's pods."""
    ports: dict[str, int] = field(default_factory=dict)
    """Named ports the service listens on."""
    jvm: bool = False
    """JVM services carry a heap size in their profile."""
    backend: ObjectStorageBackend | None = None
    """Deployed only with this object-storage backend; None: always deployed."""
    needs_kubernetes_api: bool = False
    """Watches or changes Kubernetes objects, so its pods may reach the API server."""
    pods_per_replica: int = 1
    """Pods one replica stands for (cert-manager's controller, webhook and CA injector scale together)."""
    chart_pod_labels: dict[str, str] | None = None
    """For pods rendered by a Helm chart: the labels the chart gives them, which the NetworkPolicies
    select on. None: the pods are ours and carry `dataplatform.io/service`."""
    description: str = ""

    @property
    def kubernetes_name(self) -> str:
        """DNS-1123 form of the catalog name (`dremio_executor` → `dremio-executor`)."""
        return self.name.replace("_", "-")

    @property
    def selector_labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": self.app, "app.kubernetes.io/component": self.component}

    @property
    def policy_selector(self) -> dict[str, str]:
        """The labels NetworkPolicies select this service's pods by."""
        return dict(self.chart_pod_labels) if self.chart_pod_labels else {SERVICE_LABEL: self.kubernetes_name}


SERVICE_LABEL = "dataplatform.io/service"
"""Label on every pod the platform renders itself, naming its catalog service (NetworkPolicies select it)."""


@dataclass(frozen=True, kw_only=True)
class Flow:
    """One allowed connection: pods of `source` may open connections to `target` on `port_name`."""

    source: str
    target: str
    port_name: str
    purpose: str


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
)

_S, _L, _Z, _P = ServiceSpec, Layer, Zone, Placement

SERVICES: tuple[ServiceSpec, ...] = (
    # ingestion
    _S(name="airbyte_server", layer=_L.INGESTION, zone=_Z.INGESTION, placement=_P.STATELESS,
       app="airbyte", component="server", ports={"http": 8001}, description="API and web UI"),
    _S(name="airbyte_worker", layer=_L.INGESTION, zone=_Z.INGESTION, placement=_P.STATELESS,
       app="airbyte", component="worker", ports={"http": 9000}, description="Temporal activity worker"),
    _S(name="airbyte_workload_launcher", layer=_L.INGESTION, zone=_Z.INGESTION, placement=_P.STATELESS,
       app="airbyte", component="workload-launcher", ports={"http": 8016}, needs_kubernetes_api=True,
       description="starts connector sync pods"),
    _S(name="airbyte_workload_api", layer=_L.INGESTION, zone=_Z.INGESTION, placement=_P.STATELESS,
       app="airbyte", component="workload-api-server", ports={"http": 8007}),
    _S(name="airbyte_cron", layer=_L.INGESTION, zone=_Z.INGESTION, placement=_P.STATELESS,
       app="airbyte", component="cron", ports={"http": 9000}),
    _S(name="airbyte_temporal", layer=_L.INGESTION, zone=_Z.INGESTION, placement=_P.STATELESS,
       app="airbyte", component="temporal", ports={"grpc": 7233}),
    _S(name="airbyte_jobs", layer=_L.INGESTION, zone=_Z.INGESTION, placement=_P.JOB_SLOTS,
       app="airbyte", component="sync-job", description="concurrent connector sync pods"),
    # storage: object storage (one backend's services are deployed; see ObjectStorageBackend)
    _S(name="minio", layer=_L.STORAGE, zone=_Z.STORAGE, placement=_P.STATEFUL,
       app="minio", component="server", ports={"s3": 9000, "console": 9001},
       backend=ObjectStorageBackend.MINIO, description="S3 data lake, erasure-coded"),
    _S(name="seaweedfs_master", layer=_L.STORAGE, zone=_Z.STORAGE, placement=_P.STATEFUL,
       app="seaweedfs", component="master", ports={"http": 9333, "grpc": 19333},
       backend=ObjectStorageBackend.SEAWEEDFS, description="volume placement (raft quorum)"),
    _S(name="seaweedfs_volume", layer=_L.STORAGE, zone=_Z.STORAGE, placement=_P.STATEFUL,
       app="seaweedfs", component="volume", ports={"http": 8080, "grpc": 18080},
       backend=ObjectStorageBackend.SEAWEEDFS, description="replicated data volumes"),
    _S(name="seaweedfs_filer", layer=_L.STORAGE, zone=_Z.STORAGE, placement=_P.STATEFUL,
       app="seaweedfs", component="filer", ports={"s3": 9000, "http": 8888, "grpc": 18888},
       backend=ObjectStorageBackend.SEAWEEDFS, description="metadata and the S3 gateway"),
    _S(name="postgresql", layer=_L.STORAGE, zone=_Z.STORAGE, placement=_P.STATEFUL,
       app="postgresql", component="database", ports={"postgres": 5432, "metrics": 9187, "status": 8000},
       needs_kubernetes_api=True,
       description="metadata databases for Airbyte and Superset, OLTP sources"),
    _S(name="elasticsearch", layer=_L.STORAGE, zone=_Z.STORAGE, placement=_P.STATEFUL,
       app="elasticsearch", component="node", ports={"http": 9200, "transport": 9300}, jvm=True,
       description="logs and search"),
    _S(name="storage_setup", layer=_L.STORAGE, zone=_Z.STORAGE, placement=_P.JOB_SLOTS,
       app="storage-setup", component="job",
       description="one-shot Jobs: buckets and users, the Elasticsearch snapshot repository and policy"),
    # processing
    _S(name="dremio_coordinator", layer=_L.PROCESSING, zone=_Z.PROCESSING, placement=_P.STATEFUL,
       app="dremio", component="coordinator",
       ports={"web": 9047, "client": 31010, "flight": 32010, "fabric": 45678, "conduit": 45679},
       jvm=True, description="query planning, REST API, Arrow Flight"),
    _S(name="dremio_executor", layer=_L.PROCESSING, zone=_Z.PROCESSING, placement=_P.STATEFUL,
       app="dremio", component="executor", ports={"fabric": 45678, "conduit": 45679, "metrics": 9010},
       jvm=True, description="query execution and reflections"),
    _S(name="zookeeper", layer=_L.PROCESSING, zone=_Z.PROCESSING, placement=_P.STATEFUL,
       app="zookeeper", component="ensemble", ports={"client": 2181, "peer": 2888, "election": 3888},
       jvm=True, description="Dremio cluster coordination"),
    _S(name="dbt", layer=_L.PROCESSING, zone=_Z.PROCESSING, placement=_P.JOB_SLOTS,
       app="dbt", component="job", description="dbt build runs against Dremio"),
    # presentation
    _S(name="superset_web", layer=_L.PRESENTATION, zone=_Z.PRESENTATION, placement=_P.STATELESS,
       app="superset", component="web", ports={"http": 8088}),
    _S(name="superset_worker", layer=_L.PRESENTATION, zone=_Z.PRESENTATION, placement=_P.STATELESS,
       app="superset", component="worker", description="Celery workers for async queries and reports"),
    _S(name="valkey", layer=_L.PRESENTATION, zone=_Z.PRESENTATION, placement=_P.STATEFUL,
       app="valkey", component="cache", ports={"redis": 6379}, description="Superset cache and Celery broker"),
    # monitoring and logging
    _S(name="prometheus", layer=_L.MONITORING, zone=_Z.OBSERVABILITY, placement=_P.STATEFUL,
       app="prometheus", component="server", ports={"http": 9090}, needs_kubernetes_api=True,
       description="discovers scrape targets through the API"),
    _S(name="alertmanager", layer=_L.MONITORING, zone=_Z.OBSERVABILITY, placement=_P.STATEFUL,
       app="alertmanager", component="server", ports={"http": 9093}),
    _S(name="grafana", layer=_L.MONITORING, zone=_Z.OBSERVABILITY, placement=_P.STATELESS,
       app="grafana", component="server", ports={"http": 3000}),
    _S(name="kube_state_metrics", layer=_L.MONITORING, zone=_Z.OBSERVABILITY, placement=_P.STATELESS,
       app="kube-state-metrics", component="exporter", ports={"http": 8080}, needs_kubernetes_api=True),
    _S(name="node_exporter", layer=_L.MONITORING, zone=_Z.NODE_AGENTS, placement=_P.PER_HOST,
       app="node-exporter", component="exporter", ports={"metrics": 9100}),
    _S(name="log_agent", layer=_L.MONITORING, zone=_Z.NODE_AGENTS, placement=_P.PER_HOST,
       app="fluent-bit", component="log-shipper", ports={"metrics": 2020}, needs_kubernetes_api=True,
       description="adds pod metadata to log lines"),
    # operators
    _S(name="cnpg_operator", layer=_L.OPERATORS, zone=_Z.OPERATORS, placement=_P.STATELESS,
       app="cloudnative-pg", component="operator", ports={"webhook": 9443, "metrics": 8080},
       needs_kubernetes_api=True,
       chart_pod_labels={"app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cloudnative-pg"}),
    _S(name="eck_operator", layer=_L.OPERATORS, zone=_Z.OPERATORS, placement=_P.STATELESS,
       app="elastic-operator", component="operator", ports={"webhook": 9443, "metrics": 8080},
       needs_kubernetes_api=True,
       chart_pod_labels={"app.kubernetes.io/name": "elastic-operator", "app.kubernetes.io/instance": "eck-operator"}),
    _S(name="cert_manager", layer=_L.OPERATORS, zone=_Z.OPERATORS, placement=_P.STATELESS,
       app="cert-manager", component="controller", ports={"webhook": 10250, "metrics": 9402},
       needs_kubernetes_api=True, pods_per_replica=3,
       # The controller, webhook and CA injector share the release's instance label.
       chart_pod_labels={"app.kubernetes.io/instance": "cert-manager"}),
    _S(name="barman_cloud_plugin", layer=_L.OPERATORS, zone=_Z.OPERATORS, placement=_P.STATELESS,
       app="plugin-barman-cloud", component="plugin", ports={"grpc": 9090}, needs_kubernetes_api=True,
       chart_pod_labels={"app.kubernetes.io/name": "plugin-barman-cloud", "app.kubernetes.io/instance": "plugin-barman-cloud"},
       description="CloudNativePG backup plugin (WAL archive and base backups to S3)"),
)

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
    # inside ingestion
    Flow(source="airbyte_worker", target="airbyte_temporal", port_name="grpc", purpose="workflow tasks"),
    Flow(source="airbyte_server", target="airbyte_temporal", port_name="grpc", purpose="starts workflows"),
    Flow(source="airbyte_workload_launcher", target="airbyte_workload_api", port_name="http", purpose="claims work"),
    Flow(source="airbyte_jobs", target="airbyte_workload_api", port_name="http", purpose="heartbeats"),
    Flow(source="airbyte_worker", target="airbyte_server", port_name="http", purpose="API calls"),
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
    # presentation
    Flow(source="superset_web", target="dremio_coordinator", port_name="flight", purpose="Arrow Flight queries"),
    Flow(source="superset_worker", target="dremio_coordinator", port_name="flight", purpose="async queries"),
    Flow(source="superset_web", target="postgresql", port_name="postgres", purpose="Superset metadata"),
    Flow(source="superset_worker", target="postgresql", port_name="postgres", purpose="Superset metadata"),
    Flow(source="superset_web", target="valkey", port_name="redis", purpose="cache and Celery broker"),
    Flow(source="superset_worker", target="valkey", port_name="redis", purpose="Celery broker"),
    # storage replication and backups
    Flow(source="postgresql", target="postgresql", port_name="postgres", purpose="streaming replication"),
    Flow(source="postgresql", target="object_storage", port_name="s3", purpose="WAL archive, base backups"),
    Flow(source="elasticsearch", target="elasticsearch", port_name="transport", purpose="cluster transport"),
    Flow(source="elasticsearch", target="object_storage", port_name="s3", purpose="snapshots"),
    Flow(source="storage_setup", target="object_storage", port_name="s3", purpose="creates buckets and users"),
    Flow(source="storage_setup", target="elasticsearch", port_name="http", purpose="snapshot repository and policy"),
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
    Flow(source="prometheus", target="minio", port_name="s3", purpose="scrape /minio/v2/metrics"),
    Flow(source="prometheus", target="node_exporter", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="log_agent", port_name="metrics", purpose="scrape"),
    Flow(source="prometheus", target="kube_state_metrics", port_name="http", purpose="scrape"),
    Flow(source="prometheus", target="alertmanager", port_name="http", purpose="alerts"),
    Flow(source="grafana", target="prometheus", port_name="http", purpose="dashboards"),
    Flow(source="log_agent", target="elasticsearch", port_name="http", purpose="ships container logs"),
    # operators reconcile the services they manage
    Flow(source="cnpg_operator", target="postgresql", port_name="status", purpose="instance manager status"),
    Flow(source="eck_operator", target="elasticsearch", port_name="http", purpose="cluster settings"),
    Flow(source="cnpg_operator", target="barman_cloud_plugin", port_name="grpc", purpose="backup plugin calls"),
)

SERVICES_BY_NAME: dict[str, ServiceSpec] = {service.name: service for service in SERVICES}
ZONES_BY_NAME: dict[Zone, ZoneSpec] = {zone.zone: zone for zone in ZONES}


def active_services(backend: ObjectStorageBackend) -> tuple[ServiceSpec, ...]:
    """The services deployed with this object-storage backend."""
    return tuple(service for service in SERVICES if service.backend in (None, backend))


def active_flows(backend: ObjectStorageBackend) -> tuple[Flow, ...]:
    """FLOWS with `object_storage` resolved to the backend's S3 service and other backends' flows dropped.

    With an external backend, flows to object storage leave the cluster; they are returned with the
    target `object_storage` unresolved, and the network layer opens them towards the external endpoint.
    """
    active = {service.name for service in active_services(backend)}
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
