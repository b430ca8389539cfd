"""The per-stack architecture diagram (Mermaid) of the offline plan.

Drawn from what the program declares: services and their zones from the NetworkPolicies' flow annotations,
deployed or planned from the objects in the graph, replicas and spreading from the stack's settings. Each
stack's diagram therefore differs: replica counts per service, how pods spread over hosts or zones (the
failure domain), where users come in, and a legend.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from components.platform.catalog import SERVICES_BY_NAME, ChartPods, Placement
from components.platform.settings import PlatformSettings
from components.platform.topology import FailureDomain
from offline.graph import StackGraph, unwrap_secrets
from offline.manifests import Manifest, helm_releases, kubernetes_manifests

_FLOW = re.compile(r"^(?P<source>[\w-]+) -> (?P<target>[\w-]+):(?P<port>\d+) \((?P<purpose>.*)\)$")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    port: int
    purpose: str


def flow_edges(manifests: list[Manifest]) -> tuple[list[Edge], dict[str, str]]:
    """Edges from the policies' flow annotations, and each service's namespace."""
    edges: set[Edge] = set()
    namespace_of: dict[str, str] = {}
    for manifest in manifests:
        if manifest.kind != "NetworkPolicy":
            continue
        annotation = (manifest.document["metadata"].get("annotations") or {}).get("dataplatform.io/flows")
        if not annotation:
            continue
        types = manifest.document["spec"].get("policyTypes", [])
        for entry in annotation.split("; "):
            match = _FLOW.match(entry)
            if not match:
                raise ValueError(f"{manifest.identity}: unreadable flow annotation entry {entry!r}")
            edge = Edge(match["source"], match["target"], int(match["port"]), match["purpose"])
            edges.add(edge)
            # An ingress policy lives in the target's namespace, an egress policy in the source's.
            owner = edge.target if "Ingress" in types else edge.source
            namespace_of[owner] = manifest.namespace or "?"
    return sorted(edges, key=lambda e: (e.source, e.target, e.port)), namespace_of


def mermaid_diagram(graph: StackGraph, settings: PlatformSettings) -> str:
    manifests = kubernetes_manifests(graph)
    edges, namespace_of = flow_edges(manifests)
    releases = {unwrap_secrets(record.inputs).get("name") for record in helm_releases(graph)}
    deployed = _deployed_services(manifests, namespace_of, releases)
    by_namespace: dict[str, list[str]] = defaultdict(list)
    for service, namespace in sorted(namespace_of.items()):
        by_namespace[namespace].append(service)

    spread = _spread(settings)
    lines = ["flowchart LR", f"  %% {settings.stack}: {spread}"]
    for namespace, services in sorted(by_namespace.items()):
        lines.append(f'  subgraph {_node_id(namespace)}["{namespace}"]')
        for service in services:
            state = "deployed" if service in deployed else "planned"
            lines.append(f'    {_node_id(service)}["{service}<br/>{_members(service, settings)}"]:::{state}')
        lines.append("  end")
    lines.append('  users(["users: kubectl port-forward (no public entry point until the edge layer lands)"]):::entry')
    outside = sorted({edge.target for edge in edges if edge.target not in namespace_of})
    for node in outside:
        lines.append(f'  {_node_id(node)}(["{node}"]):::external')
    for edge in edges:
        lines.append(f"  {_node_id(edge.source)} -->|{edge.port}| {_node_id(edge.target)}")
    lines.append("  classDef deployed fill:#d7f5dd,stroke:#2b8a3e")
    lines.append("  classDef external fill:#e7f5ff,stroke:#1c7ed6")
    lines.append("  classDef planned fill:#f1f3f5,stroke:#868e96,stroke-dasharray: 4 3")
    lines.append("  classDef entry fill:#fff3bf,stroke:#f08c00")
    return "\n".join(lines) + "\n"


def _deployed_services(manifests: list[Manifest], namespace_of: dict[str, str], releases: set[str]) -> set[str]:
    """Services with an object labelled as them (workload, custom resource, Service) or a Helm release."""
    labelled: list[dict[str, str]] = []
    for manifest in manifests:
        if manifest.kind in {"NetworkPolicy", "Namespace"}:
            continue
        labelled.append(manifest.document["metadata"].get("labels") or {})
        template = (manifest.document.get("spec") or {}).get("template") or {}
        labelled.append((template.get("metadata") or {}).get("labels") or {})
    deployed = set()
    for service in namespace_of:
        spec = SERVICES_BY_NAME[service]
        if isinstance(spec.pods, ChartPods):
            if spec.pods.release in releases:
                deployed.add(service)
        elif any(all(labels.get(key) == value for key, value in spec.policy_selector.items()) for labels in labelled):
            deployed.add(service)
    return deployed


def _node_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _members(service: str, settings: PlatformSettings) -> str:
    """`×3`, `×3–6` (autoscaled), `1 per host` or `up to 2 at once` (job slots)."""
    spec, size = SERVICES_BY_NAME[service], settings.services[service]
    if spec.placement is Placement.PER_HOST:
        return "1 per host"
    if spec.placement is Placement.JOB_SLOTS:
        return f"up to {size.replicas} at once"
    return f"×{size.replicas}–{size.max_replicas}" if size.autoscaled else f"×{size.replicas}"


def _spread(settings: PlatformSettings) -> str:
    cluster, profile = settings.cluster, settings.profile
    if profile.failure_domain is FailureDomain.ZONE:
        return (
            f"{cluster.host_count} hosts in {cluster.zone_count} zones ({', '.join(cluster.zones)}); replicas spread "
            "hard over zones, preferably over hosts; failure domain: a zone"
        )
    if profile.failure_domain is FailureDomain.HOST:
        return f"{cluster.host_count} hosts; replicas spread hard over hosts; failure domain: a host"
    return "one host; nothing is spread and nothing survives its loss"


def legend(settings: PlatformSettings) -> str:
    """The diagram's legend, in Markdown."""
    return "\n".join(
        [
            f"**{settings.stack}**: {_spread(settings)}.",
            "",
            "* green: deployed by this program today; grey, dashed: its layer is planned (policies already in place);",
            "  blue: outside the cluster (an external S3 endpoint);",
            "* `×N`: replicas (`×N–M`: autoscaled), `1 per host`: a DaemonSet, `up to N at once`: job slots;",
            "* an arrow is an allowed connection (NetworkPolicy), labelled with the port; nothing else may connect;",
            "* users reach the UIs with `kubectl port-forward` until the edge layer adds an HTTPS entry.",
        ]
    )

