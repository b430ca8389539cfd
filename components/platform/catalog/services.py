"""Every service of the platform: its zone, placement kind, ports, and who renders its pods."""

from __future__ import annotations

from components.platform.catalog.model import (
    PLATFORM,
    Availability,
    ChartPods,
    ObjectStorageBackend,
    Placement,
    ServiceSpec,
    Zone,
)

_S, _Z, _P, _A = ServiceSpec, Zone, Placement, Availability


def _airbyte(component: str) -> ChartPods:
    # Airbyte chart 2.2.0 renders every component's pods with exactly `airbyte: <component>`,
    # `app.kubernetes.io/name: <component>` and `app.kubernetes.io/instance: <release>` (its
    # `airbyte.selectorLabels` helper; confirmed with `helm template airbyte airbyte-2.2.0.tgz`).
    return ChartPods(release="airbyte", labels={"app.kubernetes.io/name": component, "app.kubernetes.io/instance": "airbyte"})


def _monitoring(name: str) -> ChartPods:
    # kube-prometheus-stack 88.5.3 with its subcharts (grafana 12.11.1, kube-state-metrics 8.4.0,
    # prometheus-node-exporter 4.56.1) renders `app.kubernetes.io/name: <name>` and
    # `app.kubernetes.io/instance: <release>` on these pods (confirmed with `helm template`).
    return ChartPods(
        release="kube-prometheus-stack", labels={"app.kubernetes.io/name": name, "app.kubernetes.io/instance": "kube-prometheus-stack"}
    )


SERVICES: tuple[ServiceSpec, ...] = (
    # ingestion
    _S(name="airbyte_server", availability=_A.REDUNDANT, zone=_Z.INGESTION, placement=_P.STATELESS, pods=_airbyte("server"),
       app="airbyte", component="server", ports={"http": 8001}, description="API and web UI"),
    _S(name="airbyte_worker", availability=_A.REDUNDANT, zone=_Z.INGESTION, placement=_P.STATELESS, pods=_airbyte("worker"),
       app="airbyte", component="worker", ports={"http": 9000}, description="Temporal activity worker"),
    _S(name="airbyte_workload_launcher", availability=_A.RESCHEDULED,
       availability_reason="it only starts connector pods; a queued sync waits for it",
       zone=_Z.INGESTION, placement=_P.STATELESS, pods=_airbyte("workload-launcher"),
       app="airbyte", component="workload-launcher", ports={"http": 8016}, needs_kubernetes_api=True,
       description="starts connector sync pods"),
    _S(name="airbyte_workload_api", availability=_A.REDUNDANT, zone=_Z.INGESTION, placement=_P.STATELESS, pods=_airbyte("workload-api-server"),
       app="airbyte", component="workload-api-server", ports={"http": 8007}),
    _S(name="airbyte_cron", availability=_A.RESCHEDULED,
       availability_reason="scheduled clean-ups run again on the next tick",
       zone=_Z.INGESTION, placement=_P.STATELESS, pods=_airbyte("cron"),
       app="airbyte", component="cron", ports={"http": 9000}),
    _S(name="airbyte_temporal", availability=_A.RESCHEDULED,
       availability_reason="its state is in PostgreSQL; workflows resume when it is back",
       zone=_Z.INGESTION, placement=_P.STATELESS, pods=_airbyte("temporal"),
       app="airbyte", component="temporal", ports={"grpc": 7233}),
    # Connector pods are started at run time by the workload launcher, which labels every one of them
    # `airbyte: job-pod` (its PodLabeler; the pod sweeper selects them by it too).
    _S(name="airbyte_jobs", availability=_A.RESCHEDULED,
       availability_reason="a sync interrupted by the loss is retried by Airbyte",
       zone=_Z.INGESTION, placement=_P.JOB_SLOTS,
       pods=ChartPods(release="airbyte", labels={"airbyte": "job-pod"}),
       app="airbyte", component="sync-job", description="concurrent connector sync pods"),
    # storage: object storage (one backend's services are deployed; see ObjectStorageBackend)
    _S(name="minio", availability=_A.ERASURE, zone=_Z.STORAGE, placement=_P.STATEFUL, pods=PLATFORM,
       app="minio", component="server", ports={"s3": 9000, "console": 9001},
       backend=ObjectStorageBackend.MINIO, multi_volume=True, description="S3 data lake, erasure-coded"),
    _S(name="seaweedfs_master", availability=_A.QUORUM, zone=_Z.STORAGE, placement=_P.STATEFUL, pods=PLATFORM,
       app="seaweedfs", component="master", ports={"http": 9333, "grpc": 19333},
       backend=ObjectStorageBackend.SEAWEEDFS, description="volume placement (raft quorum)"),
    _S(name="seaweedfs_volume", availability=_A.REPLICATION, zone=_Z.STORAGE, placement=_P.STATEFUL, pods=PLATFORM,
       app="seaweedfs", component="volume", ports={"http": 8080, "grpc": 18080},
       backend=ObjectStorageBackend.SEAWEEDFS, multi_volume=True, description="replicated data volumes"),
    _S(name="seaweedfs_filer", availability=_A.REDUNDANT, zone=_Z.STORAGE, placement=_P.STATEFUL, pods=PLATFORM,
       app="seaweedfs", component="filer", ports={"s3": 9000, "http": 8888, "grpc": 18888},
       backend=ObjectStorageBackend.SEAWEEDFS, description="metadata and the S3 gateway"),
    _S(name="postgresql", availability=_A.REDUNDANT, zone=_Z.STORAGE, placement=_P.STATEFUL, pods=PLATFORM,
       app="postgresql", component="database", ports={"postgres": 5432, "metrics": 9187, "status": 8000},
       needs_kubernetes_api=True,
       description="metadata databases for Airbyte and Superset, OLTP sources"),
    _S(name="elasticsearch", availability=_A.QUORUM, zone=_Z.STORAGE, placement=_P.STATEFUL, pods=PLATFORM,
       app="elasticsearch", component="node", ports={"http": 9200, "transport": 9300}, jvm=True,
       description="logs and search"),
    _S(name="storage_setup", availability=_A.RESCHEDULED,
       availability_reason="idempotent set-up Jobs, retried until they succeed",
       zone=_Z.STORAGE, placement=_P.JOB_SLOTS, pods=PLATFORM,
       app="storage-setup", component="job",
       description="one-shot Jobs: buckets and users, the Elasticsearch snapshot repository and policy"),
    # processing
    _S(name="dremio_coordinator", availability=_A.SINGLE,
       availability_reason="Dremio OSS runs exactly one master coordinator; losing its host or zone stops queries until it starts again with its metadata volume",
       zone=_Z.PROCESSING, placement=_P.STATEFUL, pods=PLATFORM,
       app="dremio", component="coordinator",
       ports={"web": 9047, "client": 31010, "flight": 32010, "fabric": 45678, "conduit": 45679, "metrics": 9010},
       jvm=True, description="query planning, REST API, Arrow Flight"),
    _S(name="dremio_executor", availability=_A.REDUNDANT, zone=_Z.PROCESSING, placement=_P.STATEFUL, pods=PLATFORM,
       app="dremio", component="executor", ports={"fabric": 45678, "conduit": 45679, "metrics": 9010},
       jvm=True, description="query execution and reflections"),
    _S(name="zookeeper", availability=_A.QUORUM, zone=_Z.PROCESSING, placement=_P.STATEFUL, pods=PLATFORM,
       app="zookeeper", component="ensemble", ports={"client": 2181, "peer": 2888, "election": 3888, "metrics": 7000},
       jvm=True, description="Dremio cluster coordination"),
    _S(name="dremio_maintenance", availability=_A.RESCHEDULED,
       availability_reason="idempotent Jobs: the set-up is retried until it succeeds, a missed backup runs on the next day",
       zone=_Z.PROCESSING, placement=_P.JOB_SLOTS, pods=PLATFORM,
       app="dremio", component="maintenance",
       description="Dremio's set-up Job (administrator, support keys) and its daily metadata backup"),
    _S(name="dbt", availability=_A.RESCHEDULED,
       availability_reason="a run interrupted by the loss is retried by its Job",
       zone=_Z.PROCESSING, placement=_P.JOB_SLOTS, pods=PLATFORM,
       app="dbt", component="job", description="dbt build runs against Dremio (nightly, and at deploy time)"),
    _S(name="dbt_exporter", availability=_A.RESCHEDULED,
       availability_reason="only metrics about past runs: they are read again from PostgreSQL when it is back",
       zone=_Z.PROCESSING, placement=_P.STATELESS, pods=PLATFORM,
       app="dbt", component="exporter", ports={"metrics": 9102},
       description="Prometheus metrics from the dbt run history"),
    # presentation
    _S(name="superset_web", availability=_A.REDUNDANT, zone=_Z.PRESENTATION, placement=_P.STATELESS, pods=PLATFORM,
       app="superset", component="web", ports={"http": 8088, "metrics": 9102},
       description="gunicorn; its StatsD metrics are served by a statsd-exporter sidecar"),
    _S(name="superset_worker", availability=_A.RESCHEDULED,
       availability_reason="async queries queued in Valkey wait for a worker",
       zone=_Z.PRESENTATION, placement=_P.STATELESS, pods=PLATFORM,
       app="superset", component="worker", description="Celery workers for async queries and reports"),
    _S(name="superset_beat", availability=_A.SINGLE,
       availability_reason="Celery beat must run once, or schedules fire twice; a lost beat delays reports until it is rescheduled",
       zone=_Z.PRESENTATION, placement=_P.STATELESS, pods=PLATFORM,
       app="superset", component="beat", description="schedules reports, alerts and cache warm-ups"),
    _S(name="superset_setup", availability=_A.RESCHEDULED,
       availability_reason="the migration Job is idempotent and retried until it succeeds",
       zone=_Z.PRESENTATION, placement=_P.JOB_SLOTS, pods=PLATFORM,
       app="superset", component="migrations",
       description="`superset db upgrade`, `superset init` and the first administrator, before the web rolls"),
    _S(name="valkey", availability=_A.SINGLE,
       availability_reason="one cache and Celery broker: losing it loses cached results and queued async queries, which Superset recomputes",
       zone=_Z.PRESENTATION, placement=_P.STATEFUL, pods=PLATFORM,
       app="valkey", component="cache", ports={"redis": 6379}, description="Superset cache and Celery broker"),
    # monitoring and logging. Prometheus and Alertmanager pods are made by the Prometheus operator, which
    # copies the custom resources' podMetadata labels onto them: the layer injects SERVICE_LABEL there.
    _S(name="prometheus", availability=_A.RESCHEDULED,
       availability_reason="monitoring pauses while it is rescheduled; nothing the platform serves depends on it",
       zone=_Z.OBSERVABILITY, placement=_P.STATEFUL,
       pods=ChartPods(release="kube-prometheus-stack", label_values=("prometheus.prometheusSpec.podMetadata.labels",)),
       app="prometheus", component="server", ports={"http": 9090}, needs_kubernetes_api=True,
       description="discovers scrape targets through the API"),
    _S(name="alertmanager", availability=_A.RESCHEDULED,
       availability_reason="alerts are held by Prometheus until it is back",
       zone=_Z.OBSERVABILITY, placement=_P.STATEFUL,
       pods=ChartPods(release="kube-prometheus-stack", label_values=("alertmanager.alertmanagerSpec.podMetadata.labels",)),
       app="alertmanager", component="server", ports={"http": 9093}),
    _S(name="grafana", availability=_A.REDUNDANT, zone=_Z.OBSERVABILITY, placement=_P.STATELESS, pods=_monitoring("grafana"),
       app="grafana", component="server", ports={"http": 3000}),
    _S(name="kube_state_metrics", availability=_A.RESCHEDULED,
       availability_reason="monitoring pauses while it is rescheduled",
       zone=_Z.OBSERVABILITY, placement=_P.STATELESS, pods=_monitoring("kube-state-metrics"),
       app="kube-state-metrics", component="exporter", ports={"http": 8080}, needs_kubernetes_api=True),
    _S(name="node_exporter", availability=_A.RESCHEDULED,
       availability_reason="one per host: the lost host's agent goes with it, the others keep running",
       zone=_Z.NODE_AGENTS, placement=_P.PER_HOST, pods=_monitoring("prometheus-node-exporter"),
       app="node-exporter", component="exporter", ports={"metrics": 9100}),
    # fluent-bit chart 0.58.1 renders `app.kubernetes.io/name: fluent-bit` and `app.kubernetes.io/instance:
    # <release>` on the DaemonSet's pods (confirmed with `helm template`).
    _S(name="log_agent", availability=_A.RESCHEDULED,
       availability_reason="one per host: the lost host's agent goes with it, the others keep running",
       zone=_Z.NODE_AGENTS, placement=_P.PER_HOST,
       pods=ChartPods(release="fluent-bit", labels={"app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "fluent-bit"}),
       app="fluent-bit", component="log-shipper", ports={"metrics": 2020}, needs_kubernetes_api=True,
       description="adds pod metadata to log lines"),
    # operators: the labels their charts render, confirmed by rendering each pinned chart version.
    _S(name="cnpg_operator", availability=_A.RESCHEDULED,
       availability_reason="the clusters it manages keep running without it",
       zone=_Z.OPERATORS, placement=_P.STATELESS,
       pods=ChartPods(release="cloudnative-pg", labels={"app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cloudnative-pg"}),
       app="cloudnative-pg", component="operator", ports={"webhook": 9443, "metrics": 8080}, needs_kubernetes_api=True),
    _S(name="eck_operator", availability=_A.RESCHEDULED,
       availability_reason="the clusters it manages keep running without it",
       zone=_Z.OPERATORS, placement=_P.STATELESS,
       pods=ChartPods(release="eck-operator", labels={"app.kubernetes.io/name": "elastic-operator", "app.kubernetes.io/instance": "eck-operator"}),
       app="elastic-operator", component="operator", ports={"webhook": 9443, "metrics": 8080}, needs_kubernetes_api=True),
    # The controller, webhook and CA injector share the release's instance label.
    _S(name="cert_manager", availability=_A.RESCHEDULED,
       availability_reason="certificates already issued stay valid",
       zone=_Z.OPERATORS, placement=_P.STATELESS,
       pods=ChartPods(release="cert-manager", labels={"app.kubernetes.io/instance": "cert-manager"}),
       app="cert-manager", component="controller", ports={"webhook": 10250, "metrics": 9402},
       needs_kubernetes_api=True, pods_per_replica=3),
    _S(name="barman_cloud_plugin", availability=_A.RESCHEDULED,
       availability_reason="WAL archiving resumes when it is back; PostgreSQL keeps the WAL until then",
       zone=_Z.OPERATORS, placement=_P.STATELESS,
       pods=ChartPods(release="plugin-barman-cloud", labels={"app.kubernetes.io/name": "plugin-barman-cloud", "app.kubernetes.io/instance": "plugin-barman-cloud"}),
       app="plugin-barman-cloud", component="plugin", ports={"grpc": 9090}, needs_kubernetes_api=True,
       description="CloudNativePG backup plugin (WAL archive and base backups to S3)"),
)
