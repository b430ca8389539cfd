"""Ingestion: Airbyte from its V2 Helm chart, on the platform's PostgreSQL and object store, as one layer.

Composed in `__main__.py` from the storage layer's outputs only: the `airbyte` database (with Temporal's two
more) and its Secret, the S3 endpoint, the logs bucket and the `ingestion` namespace's S3 Secret. Besides the
Release it declares what the chart lacks: the instance administrator's credentials (so that they are the
program's, not a hook's), a disruption budget and spread constraints for every replicated component, and a
statsd-exporter that turns Airbyte's StatsD metrics into Prometheus metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.layers.ingestion.values import AUTH_SECRET, COMPONENTS, SPREAD_BY_CHART, airbyte_values, chart_labels
from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import DatabaseRef, SecretRef
from components.platform.settings import PlatformSettings
from components.platform.versions import AIRBYTE, STATSD_EXPORTER

STATSD_MAPPING = """\
# Airbyte's StatsD metrics (DogStatsD tags become labels) under one `airbyte_` prefix, so that dashboards and
# alerts can tell them from other exporters' metrics: `syncs{status=...}` becomes `airbyte_syncs{status=...}`.
mappings:
  - match: "*"
    name: "airbyte_${1}"
"""

METRICS_SERVICE = "airbyte-metrics"


@dataclass(frozen=True, kw_only=True)
class IngestionArgs:
    settings: PlatformSettings
    """Validated stack settings: the Airbyte rows of the topology, `ingestion.*`."""
    namespace: pulumi.Input[str]
    """The ingestion namespace (from the network layer)."""
    database: DatabaseRef
    """The `airbyte` database and its credential, in the ingestion namespace."""
    s3_endpoint: pulumi.Input[str]
    s3_region: str
    s3_credentials: SecretRef
    """Airbyte's S3 credential (bronze and logs), in the ingestion namespace."""
    logs_bucket: str
    """Where Airbyte keeps its logs, state and workload output."""


class Ingestion(pulumi.ComponentResource):
    api_url: str
    """Airbyte's public API inside the cluster (`.../api/public/v1`)."""
    ui_url: str
    admin: SecretRef
    """The instance administrator: `instance-admin-password`, `instance-admin-client-id`, `instance-admin-client-secret`."""
    client_id: pulumi.Output[str]
    client_secret: pulumi.Output[str]
    """The administrator's API client credentials (secret Outputs), for the program's Airbyte providers."""
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: IngestionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:ingestion:Ingestion", name, None, opts)
        settings = args.settings
        namespace_name = settings.namespace(service("airbyte_server").zone)
        server = f"{AIRBYTE.release}-airbyte-server-svc.{namespace_name}.svc.cluster.local:8001"
        self.ui_url = f"http://{server}"
        self.api_url = f"{self.ui_url}/api/public/v1"

        self.client_id = random.RandomUuid(f"{name}-client-id", opts=pulumi.ResourceOptions(parent=self)).result
        self.client_secret = kube.generated_password(f"{name}-client-secret", self)
        # The chart's bootloader keeps these values (it creates only the keys that are missing).
        created = k8s.core.v1.Secret(
            f"{name}-auth",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=AUTH_SECRET, namespace=args.namespace, labels=kube.platform_labels()),
            string_data=pulumi.Output.secret(
                {
                    "instance-admin-password": kube.generated_password(f"{name}-admin-password", self),
                    "instance-admin-client-id": self.client_id,
                    "instance-admin-client-secret": self.client_secret,
                    "jwt-signature-secret": kube.generated_password(f"{name}-jwt-secret", self),
                }
            ),
            # The bootloader rewrites the Secret on every upgrade with the same values: not drift.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["metadata.annotations", "metadata.labels"]),
        )
        self.admin = SecretRef(
            namespace=args.namespace,
            name=created.metadata.name,
            keys=("instance-admin-password", "instance-admin-client-id", "instance-admin-client-secret", "jwt-signature-secret"),
        )

        metrics = self._metrics_exporter(name, args)
        values = pulumi.Output.all(
            args.database.host, args.s3_endpoint, args.database.credentials.name, args.s3_credentials.name
        ).apply(
            lambda resolved: airbyte_values(
                settings,
                database_host=resolved[0],
                database_port=args.database.port,
                database_name=args.database.database,
                database_secret=resolved[2],
                storage_endpoint=resolved[1],
                storage_region=args.s3_region,
                storage_secret=resolved[3],
                logs_bucket=args.logs_bucket,
                metrics_host=f"{METRICS_SERVICE}.{namespace_name}.svc.cluster.local",
                metrics_port=metrics,
            )
        )
        # Hooks (the bootloader's migrations) run as Helm runs them; first installs take minutes.
        self.release = kube.chart_release(
            f"{name}-airbyte", AIRBYTE, namespace=args.namespace, values=values, parent=self, depends_on=[created], timeout_seconds=1800
        )
        for key, name_in_catalog in COMPONENTS.items():
            if settings.services[name_in_catalog].replicas < 2:
                continue
            spec = service(name_in_catalog)
            kube.disruption_budget(
                f"{name}-{spec.component}-budget",
                namespace=args.namespace,
                labels={**kube.platform_labels(), "app.kubernetes.io/name": spec.component},
                match_labels=chart_labels(name_in_catalog),
                parent=self,
            )
            if key not in SPREAD_BY_CHART:
                kube.chart_deployment_spread(
                    f"{name}-{spec.component}-spread",
                    namespace=args.namespace,
                    # The chart names every Deployment `<release>-<component>` (helm template, chart 2.2.0).
                    deployment_name=f"{AIRBYTE.release}-{spec.component}",
                    topology_keys=settings.profile.spread_topology_keys,
                    match_labels=chart_labels(name_in_catalog),
                    parent=self,
                    depends_on=[self.release],
                )
        self.register_outputs(
            {
                "api_url": self.api_url,
                "ui_url": self.ui_url,
                "admin": self.admin.name,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "release": self.release.urn,
            }
        )

    def _metrics_exporter(self, name: str, args: IngestionArgs) -> int:
        """A statsd-exporter for Airbyte's metrics; returns the StatsD port the chart sends to."""
        settings = args.settings
        spec = service("airbyte_metrics")
        labels = kube.standard_labels(spec, instance=settings.instance, version=STATSD_EXPORTER.tag)
        match = kube.selector_labels(spec, instance=settings.instance)
        statsd, metrics = spec.ports["statsd"], spec.ports["metrics"]
        mapping = k8s.core.v1.ConfigMap(
            f"{name}-metrics-mapping",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
            data={"statsd-mapping.yml": STATSD_MAPPING},
            opts=pulumi.ResourceOptions(parent=self),
        )
        exporter = kube.container(
            "statsd-exporter",
            image=STATSD_EXPORTER.reference,
            size=settings.services[spec.name],
            args=[
                f"--statsd.listen-udp=:{statsd}",
                "--statsd.listen-tcp=",
                f"--web.listen-address=:{metrics}",
                "--statsd.mapping-config=/etc/statsd/statsd-mapping.yml",
            ],
            ports={"metrics": metrics},
            mounts=[kube.mount("mapping", "/etc/statsd", read_only=True)],
            readiness=kube.tcp_probe(metrics),
            liveness=kube.tcp_probe(metrics, failure_threshold=6),
        )
        kube.deployment(
            f"{name}-metrics",
            namespace=args.namespace,
            labels=labels,
            match_labels=match,
            replicas=settings.services[spec.name].replicas,
            containers=[exporter],
            volumes=[kube.config_map_volume("mapping", mapping.metadata.name)],
            spread_keys=settings.profile.spread_topology_keys,
            parent=self,
        )
        kube.cluster_service(
            f"{name}-metrics-service",
            service_name=METRICS_SERVICE,
            namespace=args.namespace,
            labels=labels,
            match_labels=match,
            ports={"statsd": statsd, "metrics": metrics},
            udp_ports=spec.udp_ports,
            parent=self,
        )
        return statsd

