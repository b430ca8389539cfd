"""kube-prometheus-stack's values (chart 88.5.3, `versions.KUBE_PROMETHEUS_STACK`): a pure function of the
settings, tested on its own and rendered with `helm template` while it was written (docs/layers/observability.md).

What the values change from the chart's defaults:

* Prometheus selects every ServiceMonitor, PodMonitor, PrometheusRule, Probe and ScrapeConfig of the cluster,
  not only those labelled with the release; it keeps `metrics_retention_days` and stops at 85 % of its volume;
  replicas, resources and volume from the topology, spread over hosts or zones, with a disruption budget.
* Kubelet and cAdvisor metrics are read through the API server's node proxy, so Prometheus needs no route to
  the nodes (its NetworkPolicy allows the API server only); the control-plane targets a managed cluster does
  not expose (etcd, scheduler, controller manager, kube-proxy, CoreDNS) are off, with their rules.
* Alertmanager reads its configuration from a Secret the layer writes (`useExistingSecret`), and the receivers'
  credentials from another, mounted as files.
* Grafana: the admin password from a Secret the layer generates, its database on the platform's PostgreSQL,
  dashboards and data sources from labelled ConfigMaps in any namespace, read-only root filesystem.
* node-exporter runs in the `node-agents` namespace, without the host's network namespace, so the
  NetworkPolicies apply to it (its network metrics are then the pod's own; docs say so).
* The operator's admission webhook gets its certificate from cert-manager (no hook Jobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.platform.catalog import SERVICE_LABEL, ChartPods, service
from components.platform.kube import chart_values
from components.platform.kube.pods import container_security_values, pod_security_values, resource_values, share_out
from components.platform.settings import PlatformSettings

RELOADER_SHARE = {"cpu_request_millis": 5, "cpu_limit_millis": 50, "memory_request_mib": 16, "memory_limit_mib": 32}
"""What the operator's config-reloader sidecar takes out of the Prometheus and Alertmanager rows."""
GRAFANA_SIDECAR_SHARE = {"cpu_request_millis": 5, "cpu_limit_millis": 50, "memory_request_mib": 16, "memory_limit_mib": 64}
"""What each of Grafana's two sidecars (dashboards, data sources) takes out of the `grafana` row."""
RETENTION_SIZE_PERCENT = 85
DASHBOARD_LABEL = "grafana_dashboard"
DATASOURCE_LABEL = "grafana_datasource"
GRAFANA_DATABASE_MOUNT = "/etc/secrets/database"
ALERTMANAGER_SECRETS_MOUNT = "/etc/alertmanager/secrets"
KUBERNETES_API = "kubernetes.default.svc:443"
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


@dataclass(frozen=True, kw_only=True)
class MonitoringInputs:
    """What the values need from outside the settings (resolved names, never secrets)."""

    grafana_admin_secret: str
    """Keys `admin-user` and `admin-password`."""
    grafana_database_host: str
    grafana_database_port: int
    grafana_database_name: str
    grafana_database_secret: str
    """Keys `username` and `password` (mounted as files; Grafana reads them with `$__file{}`)."""
    alertmanager_config_secret: str
    """Key `alertmanager.yaml`."""
    alertmanager_receivers_secret: str | None
    """The receivers' credentials, mounted under ALERTMANAGER_SECRETS_MOUNT/<name>/; None without receivers."""
    otlp_endpoint: str | None
    """The OpenTelemetry Collector's OTLP gRPC `host:port`, when tracing is on."""
    jaeger_query_url: str | None
    """Jaeger's query API, for Grafana's trace data source, when tracing is on."""


def monitoring_values(settings: PlatformSettings, inputs: MonitoringInputs) -> dict[str, Any]:
    services = settings.services
    existing_operator = settings.config.operators.existing.prometheus_operator
    keys = settings.profile.spread_topology_keys
    values: dict[str, Any] = {
        "crds": {"enabled": not existing_operator},
        "defaultRules": {
            "create": True,
            "rules": {
                name: False
                for name in ("etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeSchedulerRecording", "kubeProxy", "windows")
            },
        },
        **{component: {"enabled": False} for component in ("kubeEtcd", "kubeControllerManager", "kubeScheduler", "kubeProxy", "coreDns", "kubeDns")},
        # Read through the API server's node proxy instead (prometheus.additionalScrapeConfigs below).
        "kubelet": {"enabled": False},
        "kubeApiServer": {"enabled": True},
        "windowsMonitoring": {"enabled": False},
        "thanosRuler": {"enabled": False},
        "prometheusOperator": _operator(settings, existing_operator),
        "prometheus": _prometheus(settings, inputs, keys),
        "alertmanager": _alertmanager(settings, inputs, keys),
        "grafana": _grafana(settings, inputs, keys),
        "kube-state-metrics": {
            **chart_values.replicated(services["kube_state_metrics"], replicas_key="replicas"),
            "podSecurityContext": pod_security_values(user_id=None),
            "containerSecurityContext": container_security_values(),
        },
        "prometheus-node-exporter": {
            "namespaceOverride": settings.namespace(service("node_exporter").zone),
            "resources": resource_values(services["node_exporter"]),
            # In the pod network, so that NetworkPolicies admit exactly Prometheus; the host's filesystems and
            # /proc and /sys stay mounted read-only, so disk, CPU and memory metrics are the host's.
            "hostNetwork": False,
            "hostPID": False,
            "containerSecurityContext": container_security_values(),
        },
    }
    return values


def _operator(settings: PlatformSettings, existing: bool) -> dict[str, Any]:
    reloader = share_out(settings.services["prometheus"], RELOADER_SHARE)[1]
    return {
        "enabled": not existing,
        "resources": resource_values(settings.services["prometheus_operator"]),
        "containerSecurityContext": container_security_values(),
        # The admission webhook's certificate from cert-manager, instead of hook Jobs that patch it in.
        "admissionWebhooks": {"certManager": {"enabled": True}, "patch": {"enabled": False}},
        "prometheusConfigReloader": {"resources": resource_values(reloader)},
        "kubeletService": {"enabled": False},
        "serviceMonitor": {"selfMonitor": True},
    }


def _prometheus(settings: PlatformSettings, inputs: MonitoringInputs, keys: tuple[str, ...]) -> dict[str, Any]:
    size, _ = share_out(settings.services["prometheus"], RELOADER_SHARE)
    storage_gib = size.storage_gib or 10
    labels = {SERVICE_LABEL: service("prometheus").kubernetes_name}
    spec: dict[str, Any] = {
        "replicas": size.replicas,
        "podMetadata": {"labels": labels},
        **{f"{kind}SelectorNilUsesHelmValues": False for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig")},
        "retention": f"{settings.metrics_retention_days}d",
        "retentionSize": f"{storage_gib * RETENTION_SIZE_PERCENT // 100}GB",
        "storageSpec": {"volumeClaimTemplate": {"spec": chart_values.volume_claim_spec(storage_gib, settings.profile.storage_class)}},
        "resources": resource_values(size),
        "securityContext": pod_security_values(),
        "podAntiAffinity": "",
        "topologySpreadConstraints": chart_values.spread(keys, labels)["topologySpreadConstraints"],
        "externalLabels": {"platform": settings.instance},
        "walCompression": True,
        "enableAdminAPI": False,
        "additionalScrapeConfigs": _kubelet_scrapes(),
    }
    if inputs.otlp_endpoint:
        spec["tracingConfig"] = {"endpoint": inputs.otlp_endpoint, "clientType": "grpc", "insecure": True, "samplingFraction": "0.1"}
    return {
        "prometheusSpec": spec,
        # Read kubelet metrics through the API server's node proxy.
        "additionalRulesForClusterRole": [{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}],
        "podDisruptionBudget": _budget(size.replicas),
    }


def _budget(replicas: int) -> dict[str, Any]:
    # The chart's budget takes `minAvailable` (setting `maxUnavailable` as well would make it invalid).
    return {"enabled": True, "minAvailable": replicas - 1} if replicas > 1 else {"enabled": False}


def _kubelet_scrapes() -> list[dict[str, Any]]:
    """Kubelet and cAdvisor metrics through `/api/v1/nodes/<node>/proxy`, labelled as the chart's rules expect
    (`job="kubelet"`, `metrics_path`)."""
    jobs = []
    for job, path in (("kubelet", "/metrics"), ("kubelet-cadvisor", "/metrics/cadvisor")):
        jobs.append(
            {
                "job_name": job,
                "scheme": "https",
                "tls_config": {"ca_file": f"{SERVICE_ACCOUNT}/ca.crt"},
                "authorization": {"credentials_file": f"{SERVICE_ACCOUNT}/token"},
                "kubernetes_sd_configs": [{"role": "node"}],
                "relabel_configs": [
                    {"target_label": "__address__", "replacement": KUBERNETES_API},
                    {"source_labels": ["__meta_kubernetes_node_name"], "regex": "(.+)", "target_label": "__metrics_path__",
                     "replacement": f"/api/v1/nodes/${{1}}/proxy{path}"},
                    {"source_labels": ["__meta_kubernetes_node_name"], "target_label": "node"},
                    {"target_label": "job", "replacement": "kubelet"},
                    {"target_label": "metrics_path", "replacement": path},
                ],
            }
        )
    return jobs


def _alertmanager(settings: PlatformSettings, inputs: MonitoringInputs, keys: tuple[str, ...]) -> dict[str, Any]:
    size, _ = share_out(settings.services["alertmanager"], RELOADER_SHARE)
    labels = {SERVICE_LABEL: service("alertmanager").kubernetes_name}
    spec: dict[str, Any] = {
        "replicas": size.replicas,
        "podMetadata": {"labels": labels},
        "useExistingSecret": True,
        "configSecret": inputs.alertmanager_config_secret,
        "secrets": [inputs.alertmanager_receivers_secret] if inputs.alertmanager_receivers_secret else [],
        "retention": "120h",
        "storage": {"volumeClaimTemplate": {"spec": chart_values.volume_claim_spec(size.storage_gib or 1, settings.profile.storage_class)}},
        "resources": resource_values(size),
        "securityContext": pod_security_values(),
        "podAntiAffinity": "",
        "topologySpreadConstraints": chart_values.spread(keys, labels)["topologySpreadConstraints"],
    }
    return {"alertmanagerSpec": spec, "podDisruptionBudget": _budget(size.replicas)}


def _grafana(settings: PlatformSettings, inputs: MonitoringInputs, keys: tuple[str, ...]) -> dict[str, Any]:
    size, sidecar = share_out(settings.services["grafana"], GRAFANA_SIDECAR_SHARE)
    size, _ = share_out(size, GRAFANA_SIDECAR_SHARE)
    pods = service("grafana").pods
    assert isinstance(pods, ChartPods) and pods.labels
    ini: dict[str, Any] = {
        "database": {
            "type": "postgres",
            "host": f"{inputs.grafana_database_host}:{inputs.grafana_database_port}",
            "name": inputs.grafana_database_name,
            "user": f"$__file{{{GRAFANA_DATABASE_MOUNT}/username}}",
            "password": f"$__file{{{GRAFANA_DATABASE_MOUNT}/password}}",
            # CloudNativePG accepts TLS only; its certificate is its own CA's, so the channel is encrypted.
            "ssl_mode": "require",
        },
        "analytics": {"reporting_enabled": False, "check_for_updates": False, "check_for_plugin_updates": False},
        # Prometheus alerts through Alertmanager; Grafana's own alerting would need its replicas clustered.
        "unified_alerting": {"enabled": False},
        "security": {"cookie_secure": True, "disable_gravatar": True},
        "users": {"allow_sign_up": False},
    }
    if inputs.otlp_endpoint:
        ini["tracing.opentelemetry.otlp"] = {"address": inputs.otlp_endpoint, "propagation": "w3c"}
    values: dict[str, Any] = {
        "replicas": size.replicas,
        "resources": resource_values(size),
        "podDisruptionBudget": {"maxUnavailable": 1} if size.replicas > 1 else {},
        "topologySpreadConstraints": chart_values.spread(keys, dict(pods.labels))["topologySpreadConstraints"],
        "admin": {"existingSecret": inputs.grafana_admin_secret, "userKey": "admin-user", "passwordKey": "admin-password"},
        "securityContext": pod_security_values(),
        "containerSecurityContext": container_security_values(),
        "extraEmptyDirMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        "extraSecretMounts": [
            {"name": "database", "secretName": inputs.grafana_database_secret, "mountPath": GRAFANA_DATABASE_MOUNT, "readOnly": True}
        ],
        "persistence": {"enabled": False},
        "initChownData": {"enabled": False},
        "testFramework": {"enabled": False},
        "grafana.ini": ini,
        "sidecar": {
            "resources": resource_values(sidecar),
            "securityContext": container_security_values(),
            "dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": "1", "searchNamespace": "ALL"},
            "datasources": {"enabled": True, "label": DATASOURCE_LABEL, "labelValue": "1"},
        },
        "serviceMonitor": {"enabled": True},
    }
    if inputs.jaeger_query_url:
        values["additionalDataSources"] = [
            {"name": "Jaeger", "type": "jaeger", "uid": "jaeger", "access": "proxy", "url": inputs.jaeger_query_url}
        ]
    return values
