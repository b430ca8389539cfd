"""The Airbyte chart's values (chart 2.2.0, `versions.AIRBYTE`): a pure function of the settings, tested on its own.

What the chart does not do by itself, these values do:

* no bundled PostgreSQL or MinIO: the storage layer's `airbyte` database (TLS) and object store, through
  Secrets referenced by name (nothing secret is in the values);
* Temporal's two databases are created by the storage layer, so Temporal runs without CREATEDB
  (`SKIP_DB_CREATE`);
* replicas and resources of every component from the topology; the server's spread over hosts (staging) or
  zones (prod) (the only template that renders `topologySpreadConstraints`; the layer patches the others);
* connector pods (`airbyte_jobs`) sized by the topology and run rootless (`ROOTLESS_WORKLOAD`), so the
  `ingestion` namespace can stay "restricted";
* StatsD metrics to the platform's statsd-exporter, which Prometheus scrapes;
* components the platform does not use are off: the connector builder's manifest server and the Temporal UI
  (which runs as root).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from components.platform.catalog import ChartPods, service
from components.platform.contracts import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from components.platform.kube import chart_values
from components.platform.kube.pods import resource_values
from components.platform.settings import PlatformSettings
from components.platform.topology import ServiceSize

COMPONENTS = {
    # values key → catalog service
    "server": "airbyte_server",
    "worker": "airbyte_worker",
    "workloadLauncher": "airbyte_workload_launcher",
    "workloadApiServer": "airbyte_workload_api",
    "cron": "airbyte_cron",
    "temporal": "airbyte_temporal",
}
SPREAD_BY_CHART = frozenset({"server"})
"""The components whose template renders `topologySpreadConstraints`; the layer patches the others' Deployments."""
AUTH_SECRET = "airbyte-auth-secrets"
"""The chart's fixed name for the instance administrator's credentials (created here, kept by the bootloader)."""
TEMPORAL_DATABASES = ("temporal", "temporal_visibility")


def airbyte_values(
    settings: PlatformSettings,
    *,
    database_host: str,
    database_port: int,
    database_name: str,
    database_secret: str,
    storage_endpoint: str,
    storage_region: str,
    storage_secret: str,
    logs_bucket: str,
    metrics_host: str,
    metrics_port: int,
) -> dict[str, Any]:
    """Every value the platform sets; the chart's defaults stand for the rest."""
    services = settings.services
    values: dict[str, Any] = {
        "global": {
            "edition": "community",
            "database": {
                "type": "external",
                "host": database_host,
                "port": database_port,
                "name": database_name,
                "secretName": database_secret,
                "userSecretKey": "username",
                "passwordSecretKey": "password",
            },
            "storage": _storage(storage_endpoint, storage_region, storage_secret, logs_bucket),
            "auth": {"enabled": True},
            "metrics": {
                "enabled": True,
                "statsd": {"enabled": True, "flavor": "datadog", "host": metrics_host, "port": metrics_port},
            },
            "workloads": {"resources": _job_resources(services["airbyte_jobs"])},
            "jobs": {"kube": {"labels": {"app.kubernetes.io/part-of": "data-platform"}}},
        },
        "postgresql": {"enabled": False},
        "minio": {"enabled": False},
        "manifestServer": {"enabled": False},
        "temporalUi": {"enabled": False},
        "airbyteBootloader": {"resources": resource_values(services["airbyte_bootloader"])},
    }
    for key, name in COMPONENTS.items():
        size = services[name]
        labels = chart_labels(name)
        component: dict[str, Any] = {**chart_values.replicated(size)}
        if size.replicas > 1 and key in SPREAD_BY_CHART:
            component.update(chart_values.spread(settings.profile.spread_topology_keys, labels))
        values[key] = component
    # Connector pods get the restricted security context only when the launcher asks for it.
    values["workloadLauncher"]["extraEnv"] = [{"name": "ROOTLESS_WORKLOAD", "value": "true"}]
    # The chart leaves Temporal's probes off; its own check (is `temporal-server` running) needs every number given.
    values["temporal"]["readinessProbe"] = _probe(initial_delay_seconds=10, period_seconds=10, failure_threshold=3)
    values["temporal"]["livenessProbe"] = _probe(initial_delay_seconds=60, period_seconds=30, failure_threshold=6)
    values["temporal"]["env_vars"] = {
        "SKIP_DB_CREATE": "true",
        "DBNAME": TEMPORAL_DATABASES[0],
        "VISIBILITY_DBNAME": TEMPORAL_DATABASES[1],
    }
    return values


def _storage(endpoint: str, region: str, secret: str, bucket: str) -> dict[str, Any]:
    """The chart's `minio` type is the only one that takes an endpoint: any in-cluster or S3-compatible store.
    AWS S3 itself is `s3` with its region."""
    buckets = {name: bucket for name in ("log", "state", "workloadOutput", "activityPayload", "auditLogging")}
    if (urlsplit(endpoint).hostname or "").endswith(".amazonaws.com"):
        return {
            "type": "s3",
            "secretName": secret,
            "bucket": buckets,
            "s3": {"region": region, "authenticationType": "credentials",
                   "accessKeyIdSecretKey": ACCESS_KEY_ID, "secretAccessKeySecretKey": SECRET_ACCESS_KEY},
        }
    return {
        "type": "minio",
        "secretName": secret,
        "bucket": buckets,
        "minio": {"endpoint": endpoint, "s3PathStyleAccess": True,
                  "accessKeyIdSecretKey": ACCESS_KEY_ID, "secretAccessKeySecretKey": SECRET_ACCESS_KEY},
    }


def _probe(*, initial_delay_seconds: int, period_seconds: int, failure_threshold: int) -> dict[str, Any]:
    return {"enabled": True, "initialDelaySeconds": initial_delay_seconds, "periodSeconds": period_seconds,
            "timeoutSeconds": 5, "successThreshold": 1, "failureThreshold": failure_threshold}


def _job_resources(size: ServiceSize) -> dict[str, Any]:
    """The topology's `airbyte_jobs` row for every kind of connector pod."""
    row = {
        "cpu": {"request": f"{size.cpu_request_millis}m", "limit": f"{size.cpu_limit_millis}m"},
        "memory": {"request": f"{size.memory_request_mib}Mi", "limit": f"{size.memory_limit_mib}Mi"},
    }
    return {"useConnectorResourceDefaults": False, **{kind: row for kind in ("mainContainer", "check", "discover", "replication")}}


def chart_labels(name: str) -> dict[str, str]:
    """The labels this chart version renders on a component's pods (the catalog records them with the evidence)."""
    pods = service(name).pods
    assert isinstance(pods, ChartPods) and pods.labels, f"{name}: the catalog records the chart's pod labels"
    return dict(pods.labels)
