"""Grafana dashboards as code: each a ConfigMap that Grafana's sidecar loads (label `grafana_dashboard: "1"`).

"Data pipeline health" is the architecture's overview (Airbyte sync status, storage capacity, query
performance, dashboard load times); one more per service family for which upstream offers nothing worth
pinning. Every expression is checked by promtool in the tests (as a recording rule, which makes it parse).
kube-prometheus-stack adds its own Kubernetes, node and Prometheus dashboards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PROMETHEUS_DATASOURCE = {"type": "prometheus", "uid": "prometheus"}


@dataclass(frozen=True, kw_only=True)
class Panel:
    title: str
    exprs: dict[str, str]
    """Legend → PromQL."""
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    uid: str
    title: str
    description: str
    panels: tuple[Panel, ...] = field(default_factory=tuple)

    def model(self) -> dict[str, Any]:
        """The dashboard as Grafana's JSON model: two panels a row, each eight units high."""
        panels = []
        for index, panel in enumerate(self.panels):
            panels.append(
                {
                    "id": index + 1,
                    "type": panel.kind,
                    "title": panel.title,
                    "description": panel.description,
                    "datasource": PROMETHEUS_DATASOURCE,
                    "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
                    "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
                    "targets": [
                        {"refId": chr(ord("A") + number), "expr": expr, "legendFormat": legend, "datasource": PROMETHEUS_DATASOURCE}
                        for number, (legend, expr) in enumerate(panel.exprs.items())
                    ],
                }
            )
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["data-platform"],
            "timezone": "utc",
            "schemaVersion": 39,
            "editable": False,
            "refresh": "1m",
            "time": {"from": "now-24h", "to": "now"},
            "panels": panels,
        }

    def json(self) -> str:
        return json.dumps(self.model(), indent=2, sort_keys=True)


def dashboards(*, namespace_prefix: str) -> tuple[Dashboard, ...]:
    platform = f'namespace=~"{namespace_prefix}-.*"'
    volume_use = f"kubelet_volume_stats_used_bytes{{{platform}}} / kubelet_volume_stats_capacity_bytes{{{platform}}}"
    object_store_use = "1 - minio_cluster_health_capacity_usable_free_bytes / minio_cluster_health_capacity_usable_total_bytes"
    request_p95 = "histogram_quantile(0.95, sum by (le) (rate(superset_http_request_duration_seconds_bucket[5m])))"
    # A dashboard loads by asking ChartDataRestApi.data for each chart: its time is the dashboard's load time.
    chart_data_p95 = (
        "histogram_quantile(0.95, sum by (le) "
        '(rate(superset_api_request_duration_seconds_bucket{api="ChartDataRestApi", method="data"}[5m])))'
    )
    return (
        Dashboard(
            uid="data-pipeline-health",
            title="Data pipeline health",
            description="The architecture's overview: ingestion, storage, queries and dashboards.",
            panels=(
                Panel(title="Airbyte sync status", exprs={"{{status}}": "sum by (status) (increase(airbyte_syncs[1h]))"},
                      description="Syncs per hour by outcome."),
                Panel(title="Storage capacity", unit="percentunit",
                      exprs={"{{namespace}}/{{persistentvolumeclaim}}": volume_use, "object store": object_store_use}),
                Panel(title="Query performance (Dremio)", unit="s",
                      exprs={"slowest": "max(dremio_query_seconds_max)", "average": "avg(dremio_query_seconds_avg)"},
                      description="Queries of the last 15 minutes, from Dremio's job history."),
                Panel(title="Dashboard load times (Superset, 95th percentile)", unit="s", exprs={"chart data p95": chart_data_p95, "all requests p95": request_p95}),
            ),
        ),
        Dashboard(
            uid="ingestion-airbyte",
            title="Ingestion: Airbyte",
            description="Syncs, volumes and durations by connection.",
            panels=(
                Panel(title="Failed syncs per connection (24 h)", kind="stat",
                      exprs={"{{connection_id}}": 'sum by (connection_id) (increase(airbyte_syncs{status="failed"}[1d]))'}),
                Panel(title="Data moved", unit="decgbytes", exprs={"{{connection_id}}": "sum by (connection_id) (airbyte_gb_moved)"}),
                Panel(title="Sync duration", unit="s", exprs={"{{connection_id}}": "max by (connection_id) (airbyte_syncs_duration)"}),
                Panel(title="Components up", kind="stat",
                      exprs={"statsd-exporter": 'sum(up{platform_service="airbyte_metrics"})'}),
            ),
        ),
        Dashboard(
            uid="processing-dremio-dbt",
            title="Processing: Dremio and dbt",
            description="Query load and the nightly dbt run.",
            panels=(
                Panel(title="Queries in the last 15 minutes", exprs={"all": "sum(dremio_queries_recent)", "slow": "sum(dremio_queries_slow)"}),
                Panel(title="dbt: latest run", kind="stat",
                      exprs={"succeeded": "max(dbt_last_run_success)", "test failures": "max(dbt_last_run_test_failures)"}),
                Panel(title="dbt: run duration", unit="s", exprs={"{{project}}": "max by (project) (dbt_last_run_duration_seconds)"}),
                Panel(title="dbt: slowest models", unit="s", kind="bargauge",
                      exprs={"{{model}}": "topk(10, max by (model) (dbt_model_build_seconds))"}),
                Panel(title="Dremio and ZooKeeper up", kind="stat",
                      exprs={"{{platform_service}}": 'sum by (platform_service) (up{platform_service=~"dremio_.*|zookeeper"})'}),
            ),
        ),
        Dashboard(
            uid="presentation-superset",
            title="Presentation: Superset",
            description="Superset's answers and its cache.",
            panels=(
                Panel(title="Answers by status", unit="reqps",
                      exprs={"{{status}}": "sum by (status) (rate(superset_http_responses_total[5m]))"}),
                Panel(title="Request time (95th percentile)", unit="s", exprs={"p95": request_p95}),
                Panel(title="Valkey memory", unit="bytes", exprs={"used": "max(redis_memory_used_bytes)", "limit": "max(redis_memory_max_bytes)"}),
                Panel(title="Valkey clients", exprs={"connected": "max(redis_connected_clients)"}),
            ),
        ),
        Dashboard(
            uid="storage",
            title="Storage: PostgreSQL, object store, Elasticsearch",
            description="Capacity, replication and backups.",
            panels=(
                Panel(title="Volumes", unit="percentunit", exprs={"{{namespace}}/{{persistentvolumeclaim}}": volume_use}),
                Panel(title="Object store", unit="percentunit", exprs={"used": object_store_use}),
                Panel(title="PostgreSQL replication lag", unit="s", exprs={"{{pod}}": "max by (pod) (cnpg_pg_replication_lag)"}),
                Panel(title="Age of the newest backup", unit="s", exprs={
                    "PostgreSQL": "time() - max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp or cnpg_collector_last_available_backup_timestamp)",
                    "Elasticsearch": "time() - max(elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds)",
                }),
                Panel(title="Elasticsearch health", kind="stat",
                      exprs={"{{color}}": "max by (color) (elasticsearch_cluster_health_status) == 1"}),
                Panel(title="Elasticsearch disk", unit="percentunit",
                      exprs={"{{name}}": "1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes"}),
            ),
        ),
    )


def expressions(dashboard_set: tuple[Dashboard, ...]) -> list[str]:
    """Every PromQL expression of the dashboards, for promtool."""
    return [expr for dashboard in dashboard_set for panel in dashboard.panels for expr in panel.exprs.values()]
