"""The platform's alerts: the architecture's four, and those that watch the platform's promises.

Each alert has a severity (`warning` goes to Slack; `critical` to Slack and e-mail), a summary, a description and a
runbook section in the README (`#alert-<name in lower case>`). They are rendered into PrometheusRules by the
layer, and tested with `promtool test rules` (tests/layers/observability/alerts_test.yaml): every alert has a
series that fires it and one that does not.

The expressions name the platform's own metrics:

* `platform_service` is set by every PodMonitor the layer declares (the catalog name of the scraped service);
* Airbyte's StatsD metrics reach Prometheus prefixed `airbyte_` (the statsd-exporter mapping of the ingestion
  layer); Superset's gunicorn answers are `superset_http_responses_total{status}`;
* Dremio's query statistics come from the dbt exporter (`dremio_queries_slow`: queries of the last 15 minutes
  that ran longer than the threshold), because Dremio's own metrics carry no query durations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BACKUP_MAX_AGE_SECONDS = 26 * 3600
"""A daily backup is missed when the newest is older than a day and two hours of slack."""
CERTIFICATE_WARNING_DAYS = 14


@dataclass(frozen=True, kw_only=True)
class Alert:
    name: str
    expr: str
    for_: str
    severity: Literal["warning", "critical"]
    summary: str
    description: str

    @property
    def runbook_anchor(self) -> str:
        return f"alert-{self.name.lower()}"


@dataclass(frozen=True, kw_only=True)
class AlertGroup:
    name: str
    alerts: tuple[Alert, ...]


def alert_groups(*, namespace_prefix: str) -> tuple[AlertGroup, ...]:
    """The platform's alert groups for a stack (its namespaces are `<namespace_prefix>-<zone>`)."""
    platform = f'namespace=~"{namespace_prefix}-.*"'
    processing = f'namespace="{namespace_prefix}-processing"'
    storage = f'namespace="{namespace_prefix}-storage"'
    return (
        AlertGroup(
            name="data-platform.pipeline",
            alerts=(
                Alert(
                    name="AirbyteSyncFailed",
                    expr='sum by (connection_id) (increase(airbyte_syncs{status="failed"}[1h])) > 0',
                    for_="0m",
                    severity="warning",
                    summary="An Airbyte sync failed",
                    description="Connection {{ $labels.connection_id }} had a failed sync in the last hour; bronze may be stale.",
                ),
                Alert(
                    name="DbtRunFailed",
                    expr="dbt_last_run_success == 0",
                    for_="0m",
                    severity="warning",
                    summary="The latest dbt run failed",
                    description="The latest run of {{ $labels.project }} failed: silver and gold keep yesterday's data.",
                ),
                Alert(
                    name="DremioSlowQueries",
                    expr="dremio_queries_slow > 0",
                    for_="15m",
                    severity="warning",
                    summary="Dremio queries are slow",
                    description="{{ $value }} queries of the last 15 minutes ran longer than the threshold.",
                ),
                Alert(
                    name="SupersetApiErrors",
                    expr=(
                        'sum(rate(superset_http_responses_total{status=~"5.."}[5m])) '
                        "/ sum(rate(superset_http_responses_total[5m])) > 0.05"
                    ),
                    for_="10m",
                    severity="warning",
                    summary="Superset answers with server errors",
                    description="{{ $value | humanizePercentage }} of Superset's answers are 5xx.",
                ),
            ),
        ),
        AlertGroup(
            name="data-platform.storage",
            alerts=(
                Alert(
                    name="VolumeFillingUp",
                    expr=f"kubelet_volume_stats_used_bytes{{{platform}}} / kubelet_volume_stats_capacity_bytes{{{platform}}} > 0.85",
                    for_="5m",
                    severity="warning",
                    summary="A volume is more than 85 % full",
                    description="{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full.",
                ),
                Alert(
                    name="VolumeFull",
                    expr=f"kubelet_volume_stats_used_bytes{{{platform}}} / kubelet_volume_stats_capacity_bytes{{{platform}}} > 0.95",
                    for_="5m",
                    severity="critical",
                    summary="A volume is more than 95 % full",
                    description="{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full.",
                ),
                Alert(
                    name="ObjectStoreFillingUp",
                    expr="1 - minio_cluster_health_capacity_usable_free_bytes / minio_cluster_health_capacity_usable_total_bytes > 0.85",
                    for_="15m",
                    severity="warning",
                    summary="The object store is more than 85 % full",
                    description="The lake's object store is {{ $value | humanizePercentage }} full.",
                ),
                Alert(
                    name="ObjectStoreFull",
                    expr="1 - minio_cluster_health_capacity_usable_free_bytes / minio_cluster_health_capacity_usable_total_bytes > 0.95",
                    for_="5m",
                    severity="critical",
                    summary="The object store is more than 95 % full",
                    description="The lake's object store is {{ $value | humanizePercentage }} full; writes will fail.",
                ),
                Alert(
                    name="MinioDriveOffline",
                    expr="max(minio_cluster_health_drives_offline_count) > 0",
                    for_="5m",
                    severity="critical",
                    summary="A MinIO drive is offline",
                    description="{{ $value }} drives are offline; the erasure sets are one failure closer to losing write quorum.",
                ),
                Alert(
                    name="PostgresqlInstanceDown",
                    expr='up{platform_service="postgresql"} == 0 or cnpg_collector_up == 0',
                    for_="5m",
                    severity="critical",
                    summary="A PostgreSQL instance is down",
                    description="Instance {{ $labels.pod }} does not answer.",
                ),
                Alert(
                    name="PostgresqlReplicationLagging",
                    expr="max by (pod) (cnpg_pg_replication_lag) > 300",
                    for_="5m",
                    severity="warning",
                    summary="A PostgreSQL standby lags",
                    description="{{ $labels.pod }} is {{ $value | humanizeDuration }} behind the primary.",
                ),
                Alert(
                    name="PostgresqlBackupMissing",
                    expr=(
                        "time() - max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp "
                        f"or cnpg_collector_last_available_backup_timestamp) > {BACKUP_MAX_AGE_SECONDS}"
                    ),
                    for_="15m",
                    severity="critical",
                    summary="No PostgreSQL base backup for 26 hours",
                    description="The newest base backup is {{ $value | humanizeDuration }} old.",
                ),
                Alert(
                    name="ElasticsearchSnapshotMissing",
                    expr=f"time() - max(elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds) > {BACKUP_MAX_AGE_SECONDS}",
                    for_="15m",
                    severity="critical",
                    summary="No Elasticsearch snapshot for 26 hours",
                    description="The newest snapshot is {{ $value | humanizeDuration }} old.",
                ),
                Alert(
                    name="DremioBackupMissing",
                    expr=(
                        f'time() - max(kube_cronjob_status_last_successful_time{{{processing}, cronjob=~".*maintenance-backup.*"}}) '
                        f"> {BACKUP_MAX_AGE_SECONDS}"
                    ),
                    for_="15m",
                    severity="critical",
                    summary="No Dremio metadata backup for 26 hours",
                    description="The backup CronJob last succeeded {{ $value | humanizeDuration }} ago.",
                ),
                Alert(
                    name="OffsiteMirrorMissing",
                    expr=(
                        f'time() - max(kube_cronjob_status_last_successful_time{{{storage}, cronjob=~"backups-mirror.*"}}) '
                        f"> {BACKUP_MAX_AGE_SECONDS}"
                    ),
                    for_="15m",
                    severity="critical",
                    summary="No offsite copy for 26 hours",
                    description="The offsite mirror last succeeded {{ $value | humanizeDuration }} ago: the lake and the backups exist only in the cluster's store.",
                ),
                Alert(
                    name="ElasticsearchClusterRed",
                    expr='max(elasticsearch_cluster_health_status{color="red"}) == 1',
                    for_="5m",
                    severity="critical",
                    summary="Elasticsearch is red",
                    description="A primary shard is unassigned: logs and traces are not stored.",
                ),
                Alert(
                    name="ElasticsearchClusterYellow",
                    expr='max(elasticsearch_cluster_health_status{color="yellow"}) == 1',
                    for_="15m",
                    severity="warning",
                    summary="Elasticsearch has been yellow for 15 minutes",
                    description="A replica shard is unassigned: one more node loss can lose data.",
                ),
            ),
        ),
        AlertGroup(
            name="data-platform.platform",
            alerts=(
                Alert(
                    name="ZookeeperNoQuorum",
                    expr=(
                        'sum(up{platform_service="zookeeper"}) '
                        '< floor(count(up{platform_service="zookeeper"}) / 2) + 1'
                    ),
                    for_="2m",
                    severity="critical",
                    summary="ZooKeeper has lost its quorum",
                    description="Only {{ $value }} ZooKeeper members answer: Dremio cannot coordinate queries.",
                ),
                Alert(
                    name="PodCrashLooping",
                    expr=f'max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{{{platform}, reason="CrashLoopBackOff"}}) == 1',
                    for_="15m",
                    severity="warning",
                    summary="A container is crash-looping",
                    description="{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) keeps restarting.",
                ),
                Alert(
                    name="CertificateExpiringSoon",
                    expr=f"certmanager_certificate_expiration_timestamp_seconds - time() < {CERTIFICATE_WARNING_DAYS} * 86400",
                    for_="1h",
                    severity="warning",
                    summary="A certificate expires within 14 days",
                    description="{{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}; cert-manager has not renewed it.",
                ),
            ),
        ),
    )


def rule_groups(groups: tuple[AlertGroup, ...]) -> list[dict]:
    """The groups in Prometheus' rule-file shape (the `spec.groups` of a PrometheusRule)."""
    return [
        {
            "name": group.name,
            "rules": [
                {
                    "alert": alert.name,
                    "expr": alert.expr,
                    "for": alert.for_,
                    "labels": {"severity": alert.severity, "platform": "data-platform"},
                    "annotations": {
                        "summary": alert.summary,
                        "description": alert.description,
                        "runbook": f"README.md#{alert.runbook_anchor}",
                    },
                }
                for alert in group.alerts
            ],
        }
        for group in groups
    ]
