"""The controllers behind the storage layer's custom resources, installed from their pinned Helm charts:
cert-manager (certificates for the backup plugin's mTLS), CloudNativePG and its Barman Cloud plugin
(PostgreSQL with backups to object storage), and ECK (Elasticsearch).

`kubernetes.helm.sh/v3.Release` is used rather than `helm.sh/v4.Chart`: these charts install CRDs
and, for cert-manager, a post-install API check hook, which v3 releases run as Helm would. Release
names are fixed (`versions.ChartPin.release`) because the NetworkPolicies select these pods by the
labels the charts derive from them.

The charts' own pod security settings are restricted-compatible (non-root, seccomp RuntimeDefault, all
capabilities dropped, no privilege escalation); where a chart leaves them unset they are set here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform.catalog import Zone
from components.platform.kube import chart_values
from components.platform.settings import PlatformSettings
from components.platform.versions import BARMAN_CLOUD_PLUGIN, CERT_MANAGER, CLOUDNATIVE_PG, ECK_OPERATOR, ChartPin


@dataclass(frozen=True, kw_only=True)
class OperatorsArgs:
    settings: PlatformSettings
    namespaces: dict[Zone, pulumi.Input[str]]
    """Namespaces by zone: the operators run in `operators`; ECK watches only `storage`."""


class Operators(pulumi.ComponentResource):
    """cert-manager, CloudNativePG with the Barman Cloud plugin, and ECK."""

    ready: dict[str, pulumi.Resource]
    """Each operator's release, keyed by release name (`versions.CLOUDNATIVE_PG.release`, ...): depend on it
    before declaring the custom resources it serves."""

    def __init__(self, name: str, args: OperatorsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:operators:Operators", name, None, opts)
        self._name = name
        settings = args.settings
        self._namespace = args.namespaces[Zone.OPERATORS]
        services = settings.services

        cert_manager = self._release(
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
        cloudnative_pg = self._release(
            CLOUDNATIVE_PG,
            {
                "crds": {"create": True},
                "monitoring": {"podMonitorEnabled": False},
                **chart_values.restricted(),
                **chart_values.replicated(services["cnpg_operator"]),
            },
        )
        barman_cloud = self._release(
            BARMAN_CLOUD_PLUGIN,
            {
                "crds": {"create": True},
                **chart_values.restricted(),
                **chart_values.replicated(services["barman_cloud_plugin"]),
            },
            # The plugin's certificates are issued by cert-manager and it registers with the operator.
            depends_on=[cert_manager, cloudnative_pg],
        )
        eck = self._release(
            ECK_OPERATOR,
            {
                "installCRDs": True,
                "managedNamespaces": [args.namespaces[Zone.STORAGE]],
                **chart_values.restricted(container_key="securityContext"),
                # The operator would otherwise report usage to Elastic; nothing leaves the cluster unasked.
                "telemetry": {"disabled": True},
                "config": {"metricsPort": "0"},
                **chart_values.replicated(services["eck_operator"]),
            },
        )
        self.ready = {
            CERT_MANAGER.release: cert_manager,
            CLOUDNATIVE_PG.release: cloudnative_pg,
            BARMAN_CLOUD_PLUGIN.release: barman_cloud,
            ECK_OPERATOR.release: eck,
        }
        self.register_outputs({"ready": {release: resource.urn for release, resource in self.ready.items()}})

    def _release(
        self, pin: ChartPin, values: dict[str, Any], depends_on: list[pulumi.Resource] | None = None
    ) -> k8s.helm.v3.Release:
        return k8s.helm.v3.Release(
            f"{self._name}-{pin.release}",
            name=pin.release,
            chart=pin.chart,
            version=pin.version,
            namespace=self._namespace,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=pin.repository),
            values=values,
            # Wait for the controllers (and their webhooks) before anything uses their CRDs.
            skip_await=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on or []),
        )

