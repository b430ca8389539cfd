"""The controllers behind the storage layer's custom resources, installed from their pinned Helm charts:
cert-manager (certificates for the backup plugin's mTLS), CloudNativePG and its Barman Cloud plugin
(PostgreSQL with backups to object storage), and ECK (Elasticsearch).

`kubernetes.helm.sh/v3.Release` is used rather than `helm.sh/v4.Chart`: these charts install CRDs
and, for cert-manager, a post-install API check hook, which v3 releases run as Helm would. Release
names are fixed (`versions.ChartPin.release`) because the NetworkPolicies select these pods by the
labels the charts derive from them.

The charts' own pod security settings are restricted-compatible (non-root, seccomp RuntimeDefault, all
capabilities dropped, no privilege escalation); where a chart leaves them unset they are set here.

An operator the cluster already runs (`operators.existing.<name>`) is not installed: the custom resource
definitions the platform needs from it are read from the cluster instead, so a missing one fails the preview
on a resource named after the setting (`operators.existing.eck/kibanas.kibana.k8s.elastic.co`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import Zone, service
from components.platform.kube import chart_values
from components.platform.settings import PlatformSettings
from components.platform.versions import BARMAN_CLOUD_PLUGIN, CERT_MANAGER, CLOUDNATIVE_PG, ECK_OPERATOR, ChartPin

REQUIRED_CRDS: dict[str, tuple[str, ...]] = {
    # operators.existing key → the CRDs the platform's resources need from that operator
    "cert_manager": ("certificates.cert-manager.io", "clusterissuers.cert-manager.io", "issuers.cert-manager.io"),
    "cloudnative_pg": (
        "clusters.postgresql.cnpg.io", "databases.postgresql.cnpg.io", "scheduledbackups.postgresql.cnpg.io",
        "objectstores.barmancloud.cnpg.io",
    ),
    "eck": ("elasticsearches.elasticsearch.k8s.elastic.co", "kibanas.kibana.k8s.elastic.co"),
    "prometheus_operator": (
        "prometheuses.monitoring.coreos.com", "alertmanagers.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com",
        "podmonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com",
    ),
}
PROMETHEUS_OPERATOR = "prometheus-operator"
"""`ready`'s key for the Prometheus operator (installed with kube-prometheus-stack by the observability layer)."""


@dataclass(frozen=True, kw_only=True)
class OperatorsArgs:
    settings: PlatformSettings
    namespaces: dict[Zone, pulumi.Input[str]]
    """Namespaces by zone: the operators run in `operators`; ECK watches only `storage`."""


class Operators(pulumi.ComponentResource):
    """cert-manager, CloudNativePG with the Barman Cloud plugin, and ECK."""

    ready: dict[str, pulumi.Resource]
    """Each operator's release (or, for an existing operator, the read of its CRDs), keyed by release name
    (`versions.CLOUDNATIVE_PG.release`, ..., and PROMETHEUS_OPERATOR when the cluster's is used): depend on it
    before declaring the custom resources it serves."""

    def __init__(self, name: str, args: OperatorsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:operators:Operators", name, None, opts)
        self._name = name
        settings = args.settings
        self._namespace = args.namespaces[Zone.OPERATORS]
        services = settings.services

        existing = settings.config.operators.existing
        self.ready = {}
        if existing.cert_manager:
            self.ready[CERT_MANAGER.release] = self._existing("cert_manager")
        else:
            self.ready[CERT_MANAGER.release] = self._release(
                CERT_MANAGER,
                {
                    "crds": {"enabled": True, "keep": True},
                    # Leader election in its own namespace instead of kube-system: no rights needed there.
                    "global": {"leaderElection": {"namespace": self._namespace}},
                    "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
                    **chart_values.replicated(services["cert_manager"]),
                    "webhook": {
                        **chart_values.replicated(services["cert_manager"]),
                        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
                    },
                    "cainjector": {
                        **chart_values.replicated(services["cert_manager"]),
                        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
                    },
                },
            )
        if existing.cloudnative_pg:
            self.ready[CLOUDNATIVE_PG.release] = self.ready[BARMAN_CLOUD_PLUGIN.release] = self._existing("cloudnative_pg")
        else:
            cloudnative_pg = self._release(
                CLOUDNATIVE_PG,
                {
                    "crds": {"create": True},
                    "monitoring": {"podMonitorEnabled": False},
                    **chart_values.restricted(),
                    **chart_values.replicated(services["cnpg_operator"]),
                },
            )
            self.ready[CLOUDNATIVE_PG.release] = cloudnative_pg
            self.ready[BARMAN_CLOUD_PLUGIN.release] = self._release(
                BARMAN_CLOUD_PLUGIN,
                {
                    "crds": {"create": True},
                    **chart_values.restricted(),
                    **chart_values.replicated(services["barman_cloud_plugin"]),
                },
                # The plugin's certificates are issued by cert-manager and it registers with the operator.
                depends_on=[self.ready[CERT_MANAGER.release], cloudnative_pg],
            )
        if existing.eck:
            self.ready[ECK_OPERATOR.release] = self._existing("eck")
        else:
            self.ready[ECK_OPERATOR.release] = self._release(
                ECK_OPERATOR,
                {
                    "installCRDs": True,
                    # Elasticsearch in storage, Kibana in observability.
                    "managedNamespaces": [args.namespaces[Zone.STORAGE], args.namespaces[Zone.OBSERVABILITY]],
                    **chart_values.restricted(container_key="securityContext"),
                    # The operator would otherwise report usage to Elastic; nothing leaves the cluster unasked.
                    "telemetry": {"disabled": True},
                    # Plain HTTP inside the pod network, for Prometheus (the NetworkPolicy admits only it).
                    "config": {"metrics": {"port": service("eck_operator").ports["metrics"]}},
                    **chart_values.replicated(services["eck_operator"]),
                },
            )
        if existing.prometheus_operator:
            self.ready[PROMETHEUS_OPERATOR] = self._existing("prometheus_operator")
        self.register_outputs({"ready": {release: resource.urn for release, resource in self.ready.items()}})

    def _existing(self, key: str) -> pulumi.Resource:
        """Read the CRDs the platform needs from an operator the cluster runs; returns the first read."""
        reads = [
            k8s.apiextensions.v1.CustomResourceDefinition.get(
                # Named after the setting, so that a missing CRD's error says which setting assumed it.
                f"operators.existing.{key}/{crd}",
                crd,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for crd in REQUIRED_CRDS[key]
        ]
        return reads[0]

    def _release(
        self, pin: ChartPin, values: dict[str, Any], depends_on: list[pulumi.Resource] | None = None
    ) -> k8s.helm.v3.Release:
        # Pulumi waits for the controllers (and their webhooks) before anything uses their CRDs.
        return kube.chart_release(
            f"{self._name}-{pin.release}", pin, namespace=self._namespace, values=values, parent=self, depends_on=depends_on or []
        )

