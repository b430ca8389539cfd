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

from components import kube
from components.catalog import Zone
from components.settings import PlatformSettings
from components.topology import ServiceSize
from components.versions import BARMAN_CLOUD_PLUGIN, CERT_MANAGER, CLOUDNATIVE_PG, ECK_OPERATOR, ChartPin

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
RESTRICTED_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


@dataclass(frozen=True, kw_only=True)
class OperatorsArgs:
    settings: PlatformSettings
    namespaces: dict[Zone, pulumi.Input[str]]
    """Namespaces by zone: the operators run in `operators`; ECK watches only `storage`."""


class Operators(pulumi.ComponentResource):
    """cert-manager, CloudNativePG with the Barman Cloud plugin, and ECK."""

    postgresql_ready: list[pulumi.Resource]
    """Depend on these before declaring CloudNativePG resources (Cluster, Database, ObjectStore, ...)."""
    elasticsearch_ready: list[pulumi.Resource]
    """Depend on these before declaring ECK resources (Elasticsearch)."""

    def __init__(self, name: str, args: OperatorsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:operators:Operators", name, None, opts)
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
                **_replicated(services["cert_manager"]),
                "webhook": {**_replicated(services["cert_manager"]), "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1}},
                "cainjector": {**_replicated(services["cert_manager"]), "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1}},
            },
        )
        cloudnative_pg = self._release(
            CLOUDNATIVE_PG,
            {
                "crds": {"create": True},
                "monitoring": {"podMonitorEnabled": False},
                "podSecurityContext": RESTRICTED_POD,
                "containerSecurityContext": RESTRICTED_CONTAINER,
                **_replicated(services["cnpg_operator"]),
            },
        )
        barman_cloud = self._release(
            BARMAN_CLOUD_PLUGIN,
            {
                "crds": {"create": True},
                "podSecurityContext": RESTRICTED_POD,
                "containerSecurityContext": RESTRICTED_CONTAINER,
                **_replicated(services["barman_cloud_plugin"]),
            },
            # The plugin's certificates are issued by cert-manager and it registers with the operator.
            depends_on=[cert_manager, cloudnative_pg],
        )
        eck = self._release(
            ECK_OPERATOR,
            {
                "installCRDs": True,
                "managedNamespaces": [args.namespaces[Zone.STORAGE]],
                "podSecurityContext": RESTRICTED_POD,
                "securityContext": RESTRICTED_CONTAINER,
                # The operator would otherwise report usage to Elastic; nothing leaves the cluster unasked.
                "telemetry": {"disabled": True},
                "config": {"metricsPort": "0"},
                **_replicated(services["eck_operator"]),
            },
        )
        self.postgresql_ready = [cloudnative_pg, barman_cloud]
        self.elasticsearch_ready = [eck]
        self.register_outputs(
            {"releases": {pin.release: pin.version for pin in (CERT_MANAGER, CLOUDNATIVE_PG, BARMAN_CLOUD_PLUGIN, ECK_OPERATOR)}}
        )

    def _release(
        self, pin: ChartPin, values: dict[str, Any], depends_on: list[pulumi.Resource] | None = None
    ) -> k8s.helm.v3.Release:
        return k8s.helm.v3.Release(
            pin.release,
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


def _replicated(size: ServiceSize) -> dict[str, Any]:
    return {"replicaCount": size.replicas, "resources": kube.resource_values(size)}
