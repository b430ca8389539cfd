"""Services: the governing (headless) Service of a StatefulSet and the stable client Service of a role."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s


def headless_service(
    resource_name: str,
    *,
    service_name: str,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    match_labels: Mapping[str, str],
    ports: Mapping[str, int],
    parent: pulumi.Resource,
) -> k8s.core.v1.Service:
    """The governing Service of a StatefulSet: stable per-pod DNS names (`<pod>.<name>.<namespace>.svc`).

    Its name is fixed because peers address each other through it. Not-ready pods are published, since
    clustered stores (raft, erasure sets) must find each other before any of them is ready.
    """
    spec = k8s.core.v1.ServiceSpecArgs(
        cluster_ip="None",
        publish_not_ready_addresses=True,
        selector=dict(match_labels),
        ports=[k8s.core.v1.ServicePortArgs(name=port_name, port=port) for port_name, port in ports.items()],
    )
    return _service(resource_name, service_name, namespace, labels, spec, parent)


def cluster_service(
    resource_name: str,
    *,
    service_name: str,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    match_labels: Mapping[str, str],
    ports: Mapping[str, int],
    parent: pulumi.Resource,
    service_type: str = "ClusterIP",
    client_affinity: bool = False,
    udp_ports: Collection[str] = (),
) -> k8s.core.v1.Service:
    """A client Service with a fixed name: other zones address it as `<service_name>.<namespace>.svc`.

    `client_affinity` sends every connection of one client to the same pod (`sessionAffinity: ClientIP`),
    for protocols whose calls must reach the server that answered the first one."""
    spec = k8s.core.v1.ServiceSpecArgs(
        type=service_type,
        session_affinity="ClientIP" if client_affinity else None,
        selector=dict(match_labels),
        ports=[
            k8s.core.v1.ServicePortArgs(
                name=port_name, port=port, target_port=port, protocol="UDP" if port_name in udp_ports else "TCP"
            )
            for port_name, port in ports.items()
        ],
    )
    return _service(resource_name, service_name, namespace, labels, spec, parent)


def _service(
    resource_name: str,
    service_name: str,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    spec: k8s.core.v1.ServiceSpecArgs,
    parent: pulumi.Resource,
) -> k8s.core.v1.Service:
    return k8s.core.v1.Service(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=service_name, namespace=namespace, labels=dict(labels)),
        spec=spec,
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class ServiceAddress:
    """What an in-cluster URL names: `http(s)://<service>.<namespace>.svc[.cluster.local]:<port>`."""

    service: str
    namespace: str
    port: int
    tls: bool


def service_address(url: str) -> ServiceAddress | None:
    """The Service an in-cluster URL names, or None for any other URL (an external endpoint)."""
    parts = urlsplit(url)
    labels = (parts.hostname or "").split(".")
    if len(labels) < 3 or labels[2] != "svc":
        return None
    tls = parts.scheme == "https"
    return ServiceAddress(service=labels[0], namespace=labels[1], port=parts.port or (443 if tls else 80), tls=tls)

