"""Observability: metrics, alerts, dashboards, logs and traces for the whole platform, as one layer.

Composed in `__main__.py` from the other layers' outputs only: namespaces, the platform CA, Grafana's
database, Elasticsearch's endpoint and the users the storage layer made for the log shipper, the exporter and
Jaeger. What it declares:

* kube-prometheus-stack (monitoring_values.py): Prometheus, Alertmanager, Grafana, kube-state-metrics,
  node-exporter, and the Prometheus operator unless the cluster's own is used;
* a PodMonitor for every metrics endpoint of the catalog (targets.py), the platform's alerts as a
  PrometheusRule (alerts.py), Alertmanager's configuration (alerting.py), dashboards (dashboards.py);
* the Elasticsearch exporter, read-only;
* Fluent Bit and the log indices' lifecycle (logging.py); Kibana and tracing when on (kibana.py, tracing.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.layers.observability.alerting import (
    RECEIVERS_SECRET,
    SLACK_WEBHOOK_KEY,
    SMTP_PASSWORD_KEY,
    alertmanager_config,
)
from components.layers.observability.alerts import alert_groups, rule_groups
from components.layers.observability.dashboards import dashboards
from components.layers.observability.kibana import Kibana, KibanaArgs
from components.layers.observability.logging import CA_MOUNT, LogShipping, LogShippingArgs
from components.layers.observability.monitoring_values import (
    ALERTMANAGER_SECRETS_MOUNT,
    DASHBOARD_LABEL,
    MonitoringInputs,
    monitoring_values,
)
from components.layers.observability.targets import pod_monitors
from components.layers.observability.tracing import Tracing, TracingArgs
from components.platform import kube
from components.platform.catalog import Feature, Zone, service
from components.platform.contracts import CertificateAuthority, DatabaseRef, SecretRef
from components.platform.settings import PlatformSettings
from components.platform.versions import ELASTICSEARCH_EXPORTER, KUBE_PROMETHEUS_STACK

ALERTMANAGER_CONFIG_SECRET = "alertmanager-platform"
CAPACITY_CONFIG_MAP = "platform-capacity"
ENV_SECRET_SKIP = "checkov.io/skip1"
GRAFANA_ADMIN_SECRET = "grafana-admin"


@dataclass(frozen=True, kw_only=True)
class ObservabilityArgs:
    settings: PlatformSettings
    """Validated stack settings: sizes, `observability.*`, `logging.*`, `alerting.*`."""
    namespaces: dict[Zone, pulumi.Input[str]]
    """`observability` for the monitoring stack, `node-agents` for the per-host agents, every zone for its targets."""
    ca: CertificateAuthority
    issuer_ready: pulumi.Resource
    cert_manager: pulumi.Resource
    """cert-manager (the Prometheus operator's webhook certificate)."""
    eck: pulumi.Resource
    """ECK (Kibana)."""
    grafana_database: DatabaseRef
    """Grafana's own database, in the observability namespace."""
    elasticsearch_host: str
    elasticsearch_port: int
    elasticsearch_name: str
    """The Elasticsearch resource's name, for Kibana's reference."""
    log_shipper: SecretRef
    """Fluent Bit's Elasticsearch user, in the node-agents namespace."""
    metrics_reader: SecretRef
    """The exporter's read-only Elasticsearch user, in the observability namespace."""
    trace_writer: SecretRef | None
    """Jaeger's Elasticsearch user, in the observability namespace; None when tracing is off."""
    alerting_secrets: dict[str, pulumi.Output[str]]
    """The receivers' credentials that the stack sets (`alerting_smtp_password`, `alerting_slack_webhook`), secret."""
    capacity_report: Mapping[str, Any]
    """The capacity check's report (plain data): kept in the cluster as the ConfigMap `platform-capacity`, which
    operators read with kubectl and the policy pack checks."""


class Observability(pulumi.ComponentResource):
    grafana_url: str
    prometheus_url: str
    alertmanager_url: str
    kibana_url: str | None
    jaeger_url: str | None
    grafana_admin: SecretRef
    """Keys `admin-user`, `admin-password`."""
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:observability:Observability", name, None, opts)
        self._name, self._args = name, args
        settings = args.settings
        namespace = args.namespaces[Zone.OBSERVABILITY]
        namespace_name = settings.namespace(Zone.OBSERVABILITY)
        release = KUBE_PROMETHEUS_STACK.release
        self.grafana_url = f"http://{release}-grafana.{namespace_name}.svc.cluster.local:80"
        self.prometheus_url = f"http://{release}-prometheus.{namespace_name}.svc.cluster.local:{service('prometheus').ports['http']}"
        self.alertmanager_url = f"http://{release}-alertmanager.{namespace_name}.svc.cluster.local:{service('alertmanager').ports['http']}"
        es_url = f"https://{args.elasticsearch_host}:{args.elasticsearch_port}"

        tracing = None
        if Feature.TRACING in settings.features:
            if args.trace_writer is None:
                raise ValueError("tracing is on but no Elasticsearch user was granted to Jaeger (trace_writer)")
            tracing = Tracing(
                f"{name}-tracing",
                TracingArgs(settings=settings, namespace=namespace, elasticsearch_url=es_url, credentials=args.trace_writer, ca=args.ca),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.jaeger_url = tracing.query_url if tracing else None

        self.grafana_admin = kube.secret(
            f"{name}-grafana-admin",
            namespace=namespace,
            data={"admin-user": "admin", "admin-password": kube.generated_password(f"{name}-grafana-password", self)},
            parent=self,
            secret_name=GRAFANA_ADMIN_SECRET,
        )
        receivers = self._alertmanager_secrets(namespace)
        values = pulumi.Output.all(args.grafana_database.host, args.grafana_database.credentials.name).apply(
            lambda resolved: monitoring_values(
                settings,
                MonitoringInputs(
                    grafana_admin_secret=GRAFANA_ADMIN_SECRET,
                    grafana_database_host=resolved[0],
                    grafana_database_port=args.grafana_database.port,
                    grafana_database_name=args.grafana_database.database,
                    grafana_database_secret=resolved[1],
                    alertmanager_config_secret=ALERTMANAGER_CONFIG_SECRET,
                    alertmanager_receivers_secret=receivers,
                    otlp_endpoint=tracing.otlp_endpoint if tracing else None,
                    jaeger_query_url=tracing.query_url if tracing else None,
                ),
            )
        )
        self.release = kube.chart_release(
            f"{name}-kube-prometheus-stack", KUBE_PROMETHEUS_STACK, namespace=namespace, values=values, parent=self,
            depends_on=[args.cert_manager], timeout_seconds=900,
        )
        monitoring = [self.release]
        pod_monitors(name, settings, args.namespaces, parent=self, depends_on=monitoring)
        self._rules(namespace, monitoring)
        self._dashboards(namespace)
        self._elasticsearch_exporter(namespace, es_url)
        LogShipping(
            f"{name}-logs",
            LogShippingArgs(
                settings=settings,
                namespace=args.namespaces[Zone.NODE_AGENTS],
                elasticsearch_host=args.elasticsearch_host,
                elasticsearch_port=args.elasticsearch_port,
                credentials=args.log_shipper,
                ca=args.ca,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        kibana = None
        if Feature.KIBANA in settings.features:
            kibana = Kibana(
                f"{name}-kibana",
                KibanaArgs(
                    settings=settings,
                    namespace=namespace,
                    elasticsearch_name=args.elasticsearch_name,
                    elasticsearch_namespace=args.namespaces[Zone.STORAGE],
                    ca=args.ca,
                    issuer_ready=args.issuer_ready,
                    operator_ready=args.eck,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.kibana_url = kibana.url if kibana else None
        k8s.core.v1.ConfigMap(
            f"{name}-capacity",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=CAPACITY_CONFIG_MAP, namespace=namespace, labels=kube.platform_labels()),
            data={"capacity.json": json.dumps(args.capacity_report, indent=2, sort_keys=True)},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "grafana_url": self.grafana_url,
                "prometheus_url": self.prometheus_url,
                "alertmanager_url": self.alertmanager_url,
                # "" when off: a None output would not be registered at all.
                "kibana_url": self.kibana_url or "",
                "jaeger_url": self.jaeger_url or "",
                "grafana_admin": self.grafana_admin.name,
                "release": self.release.urn,
            }
        )

    def _alertmanager_secrets(self, namespace: pulumi.Input[str]) -> str | None:
        """Alertmanager's configuration (no credential in it), and the receivers' credentials as files; returns
        the credentials' Secret name, or None when no receiver needs one."""
        alerting = self._args.settings.config.alerting
        files = {}
        if "alerting_smtp_password" in self._args.alerting_secrets:
            files[SMTP_PASSWORD_KEY] = self._args.alerting_secrets["alerting_smtp_password"]
        if "alerting_slack_webhook" in self._args.alerting_secrets:
            files[SLACK_WEBHOOK_KEY] = self._args.alerting_secrets["alerting_slack_webhook"]
        receivers = None
        if files:
            kube.secret(f"{self._name}-alertmanager-receivers", namespace=namespace, data=files, parent=self, secret_name=RECEIVERS_SECRET)
            receivers = RECEIVERS_SECRET
        kube.secret(
            f"{self._name}-alertmanager-config",
            namespace=namespace,
            data={"alertmanager.yaml": alertmanager_config(alerting, secrets_dir=f"{ALERTMANAGER_SECRETS_MOUNT}/{RECEIVERS_SECRET}")},
            parent=self,
            secret_name=ALERTMANAGER_CONFIG_SECRET,
        )
        return receivers

    def _rules(self, namespace: pulumi.Input[str], depends_on: list[pulumi.Resource]) -> None:
        k8s.apiextensions.CustomResource(
            f"{self._name}-alerts",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="data-platform-alerts", namespace=namespace, labels=kube.platform_labels()),
            spec={"groups": rule_groups(alert_groups(namespace_prefix=self._args.settings.config.namespace_prefix))},
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )

    def _dashboards(self, namespace: pulumi.Input[str]) -> None:
        for dashboard in dashboards(namespace_prefix=self._args.settings.config.namespace_prefix):
            k8s.core.v1.ConfigMap(
                f"{self._name}-dashboard-{dashboard.uid}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"dashboard-{dashboard.uid}", namespace=namespace, labels={**kube.platform_labels(), DASHBOARD_LABEL: "1"}
                ),
                data={f"{dashboard.uid}.json": dashboard.json()},
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _elasticsearch_exporter(self, namespace: pulumi.Input[str], es_url: str) -> None:
        settings = self._args.settings
        spec = service("elasticsearch_exporter")
        labels = kube.standard_labels(spec, instance=settings.instance, version=ELASTICSEARCH_EXPORTER.tag)
        match = kube.selector_labels(spec, instance=settings.instance)
        metrics = spec.ports["metrics"]
        probe = kube.http_probe("/healthz", metrics)
        credentials = self._args.metrics_reader.name
        exporter = kube.container(
            "exporter",
            image=ELASTICSEARCH_EXPORTER.reference,
            size=settings.services[spec.name],
            args=[
                f"--es.uri={es_url}",
                f"--es.ca={CA_MOUNT}/{self._args.ca.key}",
                "--es.all",
                "--es.indices",
                "--collector.snapshots",
                "--collector.slm",
                f"--web.listen-address=:{metrics}",
            ],
            env=[
                k8s.core.v1.EnvVarArgs(
                    name=variable,
                    value_from=k8s.core.v1.EnvVarSourceArgs(secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=credentials, key=key)),
                )
                for variable, key in (("ES_USERNAME", "username"), ("ES_PASSWORD", "password"))
            ],
            ports={"metrics": metrics},
            mounts=[kube.mount("platform-ca", CA_MOUNT, read_only=True)],
            readiness=probe,
            liveness=kube.http_probe("/healthz", metrics, failure_threshold=6),
        )
        kube.deployment(
            f"{self._name}-elasticsearch-exporter",
            namespace=namespace,
            labels=labels,
            match_labels=match,
            replicas=settings.services[spec.name].replicas,
            containers=[exporter],
            spread_keys=settings.profile.spread_topology_keys,
            volumes=[kube.config_map_volume("platform-ca", self._args.ca.config_map)],
            parent=self,
            annotations={ENV_SECRET_SKIP: "CKV_K8S_35=the exporter reads Elasticsearch credentials only from its environment"},
        )
