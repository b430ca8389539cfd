"""Network zones: one namespace per zone, default-deny both ways, and exactly the flows of the catalog.

For every zone this declares:

* the Namespace, labelled for Pod Security Admission (enforce `restricted` unless the catalog gives a
  reason for a weaker level; audit and warn stay at `restricted` everywhere so exceptions stay visible);
* a default-deny NetworkPolicy for ingress and egress, and an egress rule for cluster DNS;
* egress to the Kubernetes API for zones whose controllers watch it, and ingress from it to webhooks.

Then, for every service that appears in `catalog.FLOWS`, an ingress policy on the target side and an
egress policy on the source side (default-deny applies in both directions, so both are needed). Each
policy carries the flows it allows in the `dataplatform.io/flows` annotation, which is what
`kubectl describe` shows an operator and what the offline plan draws.

Policies for services whose layer is not deployed yet select no pods and are harmless; they are
declared anyway so that a layer that lands finds its network already open exactly as documented.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.catalog import FLOWS, SERVICES_BY_NAME, ZONES, Flow, PodSecurityLevel, Zone, ZoneSpec
from components.kube import MANAGED_BY, PART_OF
from components.settings import PlatformSettings

POD_SECURITY_VERSION = "v1.31"
"""Pod Security Standards version the namespaces enforce: the oldest Kubernetes minor the platform supports."""

KUBERNETES_API_PORTS = (443, 6443)
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
ZONE_LABEL = "dataplatform.io/zone"
FLOWS_ANNOTATION = "dataplatform.io/flows"

# CoreDNS keeps the historical kube-dns label in kubeadm, k3s, EKS, GKE and AKS.
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}


@dataclass(frozen=True, kw_only=True)
class NetworkZonesArgs:
    settings: PlatformSettings
    """Validated stack settings: the namespace prefix and the API server's addresses."""


class NetworkZones(pulumi.ComponentResource):
    """The platform's namespaces and every NetworkPolicy between them."""

    namespaces: dict[Zone, pulumi.Output[str]]
    """Namespace name per zone; layers place their workloads with these."""

    def __init__(self, name: str, args: NetworkZonesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:network:NetworkZones", name, None, opts)
        self._settings = args.settings
        self.namespaces = {spec.zone: self._namespace(name, spec) for spec in ZONES}
        for spec in ZONES:
            self._baseline_policies(spec)
        self._flow_policies()
        self.register_outputs({"namespaces": {str(zone): ns for zone, ns in self.namespaces.items()}})

    def _namespace(self, name: str, spec: ZoneSpec) -> pulumi.Output[str]:
        namespace = k8s.core.v1.Namespace(
            f"{name}-{spec.zone}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                # Fixed, not auto-named: services are addressed as <service>.<namespace>.svc across zones.
                name=self._settings.namespace(spec.zone),
                labels={
                    ZONE_LABEL: str(spec.zone),
                    "app.kubernetes.io/part-of": PART_OF,
                    "app.kubernetes.io/managed-by": MANAGED_BY,
                    "pod-security.kubernetes.io/enforce": str(spec.pod_security),
                    "pod-security.kubernetes.io/enforce-version": POD_SECURITY_VERSION,
                    "pod-security.kubernetes.io/audit": str(PodSecurityLevel.RESTRICTED),
                    "pod-security.kubernetes.io/audit-version": POD_SECURITY_VERSION,
                    "pod-security.kubernetes.io/warn": str(PodSecurityLevel.RESTRICTED),
                    "pod-security.kubernetes.io/warn-version": POD_SECURITY_VERSION,
                },
                annotations=(
                    {"dataplatform.io/pod-security-exception": spec.pod_security_reason}
                    if spec.pod_security_reason
                    else None
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return namespace.metadata.name

    def _policy(
        self,
        name: str,
        zone: Zone,
        *,
        pod_selector: Mapping[str, str],
        ingress: list[k8s.networking.v1.NetworkPolicyIngressRuleArgs] | None = None,
        egress: list[k8s.networking.v1.NetworkPolicyEgressRuleArgs] | None = None,
        flows: Iterable[Flow] = (),
        policy_types: list[str],
    ) -> None:
        description = "; ".join(_describe_flow(flow) for flow in flows)
        k8s.networking.v1.NetworkPolicy(
            name,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                namespace=self.namespaces[zone],
                labels={ZONE_LABEL: str(zone), "app.kubernetes.io/part-of": PART_OF},
                annotations={FLOWS_ANNOTATION: description} if description else None,
            ),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(pod_selector)),
                policy_types=policy_types,
                ingress=ingress,
                egress=egress,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _baseline_policies(self, spec: ZoneSpec) -> None:
        zone = spec.zone
        self._policy(f"{zone}-default-deny", zone, pod_selector={}, policy_types=["Ingress", "Egress"])
        self._policy(
            f"{zone}-allow-dns",
            zone,
            pod_selector={},
            policy_types=["Egress"],
            egress=[
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    to=[_peer(DNS_NAMESPACE, DNS_POD_LABELS)],
                    ports=[_port(53, "UDP"), _port(53, "TCP")],
                )
            ],
        )
        if not spec.needs_kubernetes_api:
            return
        api_peers = [
            k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr))
            for cidr in self._settings.kubernetes_api_cidrs
        ]
        self._policy(
            f"{zone}-allow-kubernetes-api",
            zone,
            pod_selector={},
            policy_types=["Egress"],
            egress=[
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    to=api_peers, ports=[_port(port) for port in KUBERNETES_API_PORTS]
                )
            ],
        )
        for service in (s for s in SERVICES_BY_NAME.values() if s.zone == zone and "webhook" in s.ports):
            # Admission webhooks are called by the API server, which is outside the pod network.
            self._policy(
                f"{service.kubernetes_name}-webhook-ingress",
                zone,
                pod_selector=service.selector_labels,
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=api_peers, ports=[_port(service.ports["webhook"])]
                    )
                ],
            )

    def _flow_policies(self) -> None:
        inbound: dict[str, list[Flow]] = defaultdict(list)
        outbound: dict[str, list[Flow]] = defaultdict(list)
        for flow in FLOWS:
            inbound[flow.target].append(flow)
            outbound[flow.source].append(flow)

        for target_name, flows in sorted(inbound.items()):
            target = SERVICES_BY_NAME[target_name]
            self._policy(
                f"{target.kubernetes_name}-ingress",
                target.zone,
                pod_selector=target.selector_labels,
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[self._service_peer(flow.source)], ports=[_port(target.ports[flow.port_name])]
                    )
                    for flow in flows
                ],
                flows=flows,
            )
        for source_name, flows in sorted(outbound.items()):
            source = SERVICES_BY_NAME[source_name]
            self._policy(
                f"{source.kubernetes_name}-egress",
                source.zone,
                pod_selector=source.selector_labels,
                policy_types=["Egress"],
                egress=[
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        to=[self._service_peer(flow.target)],
                        ports=[_port(SERVICES_BY_NAME[flow.target].ports[flow.port_name])],
                    )
                    for flow in flows
                ],
                flows=flows,
            )

    def _service_peer(self, service_name: str) -> k8s.networking.v1.NetworkPolicyPeerArgs:
        service = SERVICES_BY_NAME[service_name]
        return _peer(self.namespaces[service.zone], service.selector_labels)


def _peer(namespace: pulumi.Input[str], pod_labels: Mapping[str, str]) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: namespace}),
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(pod_labels)),
    )


def _port(port: int, protocol: str = "TCP") -> k8s.networking.v1.NetworkPolicyPortArgs:
    return k8s.networking.v1.NetworkPolicyPortArgs(port=port, protocol=protocol)


def _describe_flow(flow: Flow) -> str:
    target = SERVICES_BY_NAME[flow.target]
    return f"{flow.source} -> {flow.target}:{target.ports[flow.port_name]} ({flow.purpose})"
