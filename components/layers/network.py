"""Network zones: one namespace per zone, default-deny both ways, and exactly the flows of the catalog.

For every zone this declares:

* the Namespace, labelled for Pod Security Admission (enforce `restricted` unless the catalog gives a
  reason for a weaker level; audit and warn stay at `restricted` everywhere so exceptions stay visible);
* a default-deny NetworkPolicy for ingress and egress, and an egress rule for cluster DNS.

Then, for the services this stack deploys (`settings.active_services`), from `catalog.active_flows`:

* an ingress policy on each target and an egress policy on each source (default-deny applies in both
  directions, so both are needed), selecting pods by `ServiceSpec.policy_selector`;
* egress to the Kubernetes API for services that watch it, and ingress from it to admission webhooks, on
  the API server's own addresses (read from the cluster's `default/kubernetes` EndpointSlice) unless
  `kubernetes_api_cidrs` names others;
* with an external object store, egress from its clients to `object_storage.external_cidrs`.

Each policy carries the flows it allows in the `dataplatform.io/flows` annotation, which is what
`kubectl describe` shows an operator and what the offline plan draws. Policies for services whose layer
is not deployed yet select no pods and are harmless; they are declared anyway so that a layer that
lands finds its network already open exactly as documented.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import (
    EDGE_ROUTES,
    FLIGHT_ROUTE,
    LISTENER_PORTS,
    OBJECT_STORAGE,
    SERVICES_BY_NAME,
    ZONES,
    Flow,
    PodSecurityLevel,
    ServiceSpec,
    Zone,
    ZoneSpec,
)
from components.platform.settings import PlatformSettings

POD_SECURITY_VERSION = "v1.31"
"""Pod Security Standards version the namespaces enforce: the oldest Kubernetes minor the platform supports."""

KUBERNETES_API_PORTS = (443, 6443)
API_SERVER_ENDPOINTS = "default/kubernetes"
"""The EndpointSlice of the `kubernetes` Service, which lists the API server's addresses."""
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
ZONE_LABEL = "dataplatform.io/zone"
FLOWS_ANNOTATION = "dataplatform.io/flows"
EXTERNAL_S3 = "external-s3"
"""How flows to an external object store are named in annotations and the diagram."""

# CoreDNS keeps the historical kube-dns label in kubeadm, k3s, EKS, GKE and AKS.
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}


@dataclass(frozen=True, kw_only=True)
class NetworkZonesArgs:
    settings: PlatformSettings
    """Validated stack settings: namespace prefix, API server and external object store addresses."""


class NetworkZones(pulumi.ComponentResource):
    """The platform's namespaces and every NetworkPolicy between them."""

    namespaces: dict[Zone, pulumi.Output[str]]
    """Namespace name per zone; layers place their workloads with these."""
    api_server_cidrs: pulumi.Output[list[str]]
    """The addresses the API-server policies open: `kubernetes_api_cidrs`, or those read from the cluster."""

    def __init__(self, name: str, args: NetworkZonesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:network:NetworkZones", name, None, opts)
        self._name = name
        self._settings = args.settings
        self.api_server_cidrs = pulumi.Output.from_input(list(args.settings.config.kubernetes_api_cidrs or []))
        self.namespaces = {spec.zone: self._namespace(name, spec) for spec in ZONES}
        for spec in ZONES:
            self._baseline_policies(spec)
        self._api_server_policies()
        self._flow_policies(self._settings.active_flows)
        self._connector_sources()
        self._alert_receivers()
        self._edge()
        self._offsite_mirror()
        self.register_outputs(
            {"namespaces": {str(zone): ns for zone, ns in self.namespaces.items()}, "api_server_cidrs": self.api_server_cidrs}
        )

    def _namespace(self, name: str, spec: ZoneSpec) -> pulumi.Output[str]:
        namespace = k8s.core.v1.Namespace(
            f"{name}-{spec.zone}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                # Fixed, not auto-named: services are addressed as <service>.<namespace>.svc across zones.
                name=self._settings.namespace(spec.zone),
                labels={
                    ZONE_LABEL: str(spec.zone),
                    **kube.platform_labels(),
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
        policy_types: list[str],
        ingress: list[k8s.networking.v1.NetworkPolicyIngressRuleArgs] | None = None,
        egress: list[k8s.networking.v1.NetworkPolicyEgressRuleArgs] | None = None,
        flows: Iterable[str] = (),
    ) -> None:
        description = "; ".join(flows)
        k8s.networking.v1.NetworkPolicy(
            f"{self._name}-{name}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                namespace=self.namespaces[zone],
                labels={ZONE_LABEL: str(zone), "app.kubernetes.io/part-of": kube.PART_OF},
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
                    to=[_peer(DNS_NAMESPACE, DNS_POD_LABELS)], ports=[_port(53, "UDP"), _port(53, "TCP")]
                )
            ],
        )

    def _api_server_policies(self) -> None:
        api_peers = self._api_server_peers()
        for service in self._settings.active_services:
            if service.needs_kubernetes_api:
                self._policy(
                    f"{service.kubernetes_name}-kubernetes-api",
                    service.zone,
                    pod_selector=service.policy_selector,
                    policy_types=["Egress"],
                    egress=[
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                            to=api_peers, ports=[_port(port) for port in KUBERNETES_API_PORTS]
                        )
                    ],
                    flows=[f"{service.name} -> kubernetes-api:443 (watches and updates objects)"],
                )
            if "webhook" in service.ports:
                # Admission webhooks are called by the API server, which is outside the pod network.
                self._policy(
                    f"{service.kubernetes_name}-webhook-ingress",
                    service.zone,
                    pod_selector=service.policy_selector,
                    policy_types=["Ingress"],
                    ingress=[
                        k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                            from_=api_peers, ports=[_port(service.ports["webhook"])]
                        )
                    ],
                )

    def _api_server_peers(self) -> pulumi.Input[list[k8s.networking.v1.NetworkPolicyPeerArgs]]:
        """`kubernetes_api_cidrs` as set, or the API server's own addresses read from the cluster."""
        configured = self._settings.config.kubernetes_api_cidrs
        if configured is not None:
            return _ip_peers(configured)
        # The API server keeps the endpoints of the `kubernetes` Service up to date in this EndpointSlice.
        endpoints = k8s.discovery.v1.EndpointSlice.get(
            f"{self._name}-api-server", API_SERVER_ENDPOINTS, opts=pulumi.ResourceOptions(parent=self)
        )
        self.api_server_cidrs = endpoints.endpoints.apply(_endpoint_cidrs)
        return self.api_server_cidrs.apply(_ip_peers)

    def _flow_policies(self, flows: tuple[Flow, ...]) -> None:
        inbound: dict[str, list[Flow]] = defaultdict(list)
        outbound: dict[str, list[Flow]] = defaultdict(list)
        for flow in flows:
            if flow.target != OBJECT_STORAGE:
                inbound[flow.target].append(flow)
            outbound[flow.source].append(flow)

        for target_name, target_flows in sorted(inbound.items()):
            target = SERVICES_BY_NAME[target_name]
            self._policy(
                f"{target.kubernetes_name}-ingress",
                target.zone,
                pod_selector=target.policy_selector,
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[self._service_peer(SERVICES_BY_NAME[flow.source])],
                        ports=[_port(target.ports[flow.port_name], _protocol(target, flow.port_name))],
                    )
                    for flow in target_flows
                ],
                flows=[self._describe(flow) for flow in target_flows],
            )
        for source_name, source_flows in sorted(outbound.items()):
            source = SERVICES_BY_NAME[source_name]
            self._policy(
                f"{source.kubernetes_name}-egress",
                source.zone,
                pod_selector=source.policy_selector,
                policy_types=["Egress"],
                egress=[self._egress_rule(flow) for flow in source_flows],
                flows=[self._describe(flow) for flow in source_flows],
            )

    def _connector_sources(self) -> None:
        """Airbyte's connector pods may reach the systems they read from: `ingestion.source_cidrs`, any port."""
        cidrs = self._settings.config.ingestion.source_cidrs
        if cidrs:
            self._egress_outside("airbyte_jobs", "airbyte-jobs-sources-egress", "connector-sources", cidrs, ports=(), purpose="connector sources")

    def _alert_receivers(self) -> None:
        """Alertmanager may reach its receivers on `alerting.egress_cidrs`: the SMTP port and HTTPS (Slack)."""
        alerting = self._settings.config.alerting
        ports = sorted(
            ({int(alerting.smtp_smarthost.rsplit(":", 1)[1])} if alerting.email_to and alerting.smtp_smarthost else set())
            | ({443} if alerting.slack_channel else set())
        )
        if ports:
            self._egress_outside(
                "alertmanager", "alertmanager-receivers-egress", "alert-receivers", alerting.egress_cidrs, ports=ports,
                purpose="e-mail and Slack",
            )

    def _offsite_mirror(self) -> None:
        """The offsite mirror may reach the offsite bucket: `backups.offsite.egress_cidrs` on its endpoint's port."""
        if not self._settings.offsite_backups:
            return
        offsite = self._settings.config.backups.offsite
        port = (urlsplit(offsite.endpoint).port or 443) if offsite.endpoint else 443
        self._egress_outside(
            "offsite_mirror", "offsite-mirror-to-offsite", "offsite-s3", offsite.egress_cidrs, ports=[port], purpose="the offsite bucket"
        )

    def _egress_outside(
        self, source: str, policy: str, target: str, cidrs: list[str], *, ports: Iterable[int], purpose: str
    ) -> None:
        """`source`'s pods may reach `cidrs` outside the cluster on `ports` (every port when empty). The flow
        annotation names the outside `target`, port 0 standing for any port, so that the diagram can draw it."""
        spec = SERVICES_BY_NAME[source]
        ports = list(ports)
        self._policy(
            policy,
            spec.zone,
            pod_selector=spec.policy_selector,
            policy_types=["Egress"],
            egress=[k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=_ip_peers(cidrs), ports=[_port(p) for p in ports] or None)],
            flows=[f"{source} -> {target}:{port} ({purpose}{'' if ports else ', any port'}, at {', '.join(cidrs)})" for port in ports or [0]],
        )

    def _edge(self) -> None:
        """With `edge.domain`: the edge's proxies may reach the published UIs' ports and nothing else, and (for the
        platform's own Gateway) anyone may reach the proxies' listeners."""
        edge = self._settings.config.edge
        if not edge.enabled:
            return
        routes = [*EDGE_ROUTES, *([FLIGHT_ROUTE] if edge.publish_flight else [])]
        edge_namespace = self._settings.namespace(Zone.EDGE)
        proxies = _peer(edge.proxies_namespace(edge_namespace), edge.proxy_pod_labels)
        for route in routes:
            target = SERVICES_BY_NAME[route.service]
            port = target.ports[route.port_name]
            self._policy(
                f"{target.kubernetes_name}-{route.port_name}-from-edge",
                target.zone,
                pod_selector=target.policy_selector,
                policy_types=["Ingress"],
                ingress=[k8s.networking.v1.NetworkPolicyIngressRuleArgs(from_=[proxies], ports=[_port(port)])],
                flows=[f"edge -> {route.service}:{port} ({route.ui}.{edge.domain})"],
            )
        if edge.mode == "gateway" and not edge.existing_gateway:
            listeners = [LISTENER_PORTS["http"], LISTENER_PORTS["https"], *([LISTENER_PORTS["flight"]] if edge.publish_flight else [])]
            self._policy(
                "edge-listeners",
                Zone.EDGE,
                pod_selector=dict(edge.proxy_pod_labels),
                policy_types=["Ingress", "Egress"],
                ingress=[k8s.networking.v1.NetworkPolicyIngressRuleArgs(ports=[_port(port) for port in listeners])],
                egress=[
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        to=[self._service_peer(SERVICES_BY_NAME[route.service])],
                        ports=[_port(SERVICES_BY_NAME[route.service].ports[route.port_name])],
                    )
                    for route in routes
                ],
                flows=[f"internet -> edge:{port}" for port in listeners]
                + [f"edge -> {route.service}:{SERVICES_BY_NAME[route.service].ports[route.port_name]}" for route in routes],
            )

    def _egress_rule(self, flow: Flow) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
        if flow.target == OBJECT_STORAGE:
            return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                to=_ip_peers(self._settings.config.object_storage.external_cidrs), ports=[_port(self._external_s3_port())]
            )
        target = SERVICES_BY_NAME[flow.target]
        return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
            to=[self._service_peer(target)], ports=[_port(target.ports[flow.port_name], _protocol(target, flow.port_name))]
        )

    def _external_s3_port(self) -> int:
        endpoint = urlsplit(self._settings.config.object_storage.external_endpoint or "")
        return endpoint.port or (443 if endpoint.scheme == "https" else 80)

    def _describe(self, flow: Flow) -> str:
        if flow.target == OBJECT_STORAGE:
            return f"{flow.source} -> {EXTERNAL_S3}:{self._external_s3_port()} ({flow.purpose})"
        target = SERVICES_BY_NAME[flow.target]
        return f"{flow.source} -> {flow.target}:{target.ports[flow.port_name]} ({flow.purpose})"

    def _service_peer(self, service: ServiceSpec) -> k8s.networking.v1.NetworkPolicyPeerArgs:
        return _peer(self.namespaces[service.zone], service.policy_selector)


def _peer(namespace: pulumi.Input[str], pod_labels: Mapping[str, str]) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: namespace}),
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(pod_labels)),
    )


def _endpoint_cidrs(endpoints: Any) -> list[str]:
    """One host-sized CIDR per address of the EndpointSlice's endpoints (IPv4 /32, IPv6 /128)."""
    addresses = sorted(
        {address for endpoint in endpoints or [] for address in (_field(endpoint, "addresses") or [])},
        key=ipaddress.ip_address,
    )
    if not addresses:
        raise pulumi.RunError(
            f"the EndpointSlice {API_SERVER_ENDPOINTS} lists no API server address; set kubernetes_api_cidrs to your "
            "control plane's addresses: `pulumi config set --path 'kubernetes_api_cidrs[0]' <cidr>`"
        )
    return [f"{address}/{ipaddress.ip_address(address).max_prefixlen}" for address in addresses]


def _field(value: Any, name: str) -> Any:
    """A field of an output object or of a plain dict (what the engine hands back depends on the SDK path)."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _ip_peers(cidrs: Iterable[str]) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
    return [k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr)) for cidr in cidrs]


def _protocol(service: ServiceSpec, port_name: str) -> str:
    return "UDP" if port_name in service.udp_ports else "TCP"


def _port(port: int, protocol: str = "TCP") -> k8s.networking.v1.NetworkPolicyPortArgs:
    return k8s.networking.v1.NetworkPolicyPortArgs(port=port, protocol=protocol)
