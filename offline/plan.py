"""Offline plan: what `pulumi up` would declare for a stack, with no cluster and no Pulumi CLI.

    python -m offline.plan dev                 # tree by layer, capacity report, diagram
    python -m offline.plan prod --details      # every resource, not only counts per type
    python -m offline.plan staging --out build/plan

It evaluates the program under mocks with the stack's own config (`Pulumi.<stack>.yaml`), prints the
resources grouped by layer and the capacity/headroom report, and writes a Mermaid diagram of the zones,
services and allowed flows (`<out>/<stack>.mmd`, and `<stack>.md` for pull requests). The diagram is
drawn from the NetworkPolicies the program declares, so it shows what would be deployed, not a wish.

Exit codes: 0 planned, 2 invalid settings or capacity misfit (the message says what to fix).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from components.platform.catalog import SERVICES_BY_NAME, ChartPods
from components.platform.errors import ConfigurationError
from offline.graph import (
    PROJECT_ROOT,
    ResourceRecord,
    StackGraph,
    evaluate_stack,
    read_stack_config,
    unwrap_secrets,
)
from offline.manifests import Manifest, helm_releases, kubernetes_manifests

DEFAULT_OUT = PROJECT_ROOT / "build" / "plan"
_FLOW = re.compile(r"^(?P<source>[\w-]+) -> (?P<target>[\w-]+):(?P<port>\d+) \((?P<purpose>.*)\)$")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    port: int
    purpose: str


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="stack name: dev, staging, prod (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"diagram directory (default {DEFAULT_OUT})")
    parser.add_argument("--details", action="store_true", help="list every resource instead of counts per type")
    parser.add_argument(
        "--stack-file",
        type=Path,
        help="evaluate this config file instead of Pulumi.<stack>.yaml (try a change before committing it)",
    )
    args = parser.parse_args(argv)

    stack_file = args.stack_file or PROJECT_ROOT / f"Pulumi.{args.stack}.yaml"
    if not stack_file.exists():
        stacks = sorted(path.stem.split(".", 1)[1] for path in PROJECT_ROOT.glob("Pulumi.*.yaml"))
        print(f"no stack file {stack_file}; known stacks: {', '.join(stacks)}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    config, secret_keys = read_stack_config(stack_file)
    try:
        graph = evaluate_stack(args.stack, config=config, secret_keys=secret_keys)
    except ConfigurationError as error:  # its message is the whole story
        print(error, file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started

    print(render_tree(graph, details=args.details, elapsed_seconds=elapsed))
    capacity = unwrap_secrets(graph.outputs.get("capacity", {}))
    print()
    print(render_capacity(capacity))
    diagram = mermaid_diagram(graph)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.stack}.mmd").write_text(diagram)
    (args.out / f"{args.stack}.md").write_text(
        f"# data-platform / {args.stack}\n\n```mermaid\n{diagram}```\n\n```\n{render_capacity(capacity)}\n```\n"
    )
    print(f"\nDiagram: {args.out / (args.stack + '.mmd')} (Markdown for pull requests: {args.stack}.md)")
    return 0


def render_tree(graph: StackGraph, *, details: bool, elapsed_seconds: float) -> str:
    root = graph.root()
    topology = unwrap_secrets(graph.outputs.get("topology", "?"))
    lines = [
        f"data-platform / {graph.stack}: topology {topology}, {len(graph.resources) - 1} resources "
        f"(evaluated offline in {elapsed_seconds:.2f} s)",
    ]
    children_of: dict[str, list[ResourceRecord]] = defaultdict(list)
    for record in graph.resources:
        if record.parent:
            children_of[record.parent].append(record)

    def count(urn: str) -> int:
        return sum(1 + count(child.urn) for child in children_of[urn])

    for layer in children_of[root.urn]:
        lines.append(f"\n{layer.name}  [{layer.type}]  {count(layer.urn)} resources")
        if details:
            lines += _subtree(layer.urn, children_of, indent="  ")
            continue
        types = Counter(_short_type(child.type) for child in _descendants(layer.urn, children_of))
        for type_name, number in sorted(types.items()):
            lines.append(f"  {number:>4} × {type_name}")
    return "\n".join(lines)


def _descendants(urn: str, children_of: dict[str, list[ResourceRecord]]) -> list[ResourceRecord]:
    found = []
    for child in children_of[urn]:
        found.append(child)
        found += _descendants(child.urn, children_of)
    return found


def _subtree(urn: str, children_of: dict[str, list[ResourceRecord]], indent: str) -> list[str]:
    lines = []
    for child in sorted(children_of[urn], key=lambda record: (record.type, record.name)):
        lines.append(f"{indent}{child.name}  [{_short_type(child.type)}]")
        lines += _subtree(child.urn, children_of, indent + "  ")
    return lines


def _short_type(type_token: str) -> str:
    package, module, kind = (type_token.split(":") + ["", ""])[:3]
    return f"{kind} ({package}:{module})" if kind else type_token


def render_capacity(capacity: dict) -> str:
    if not capacity:
        return "capacity: no report in the stack outputs"
    lines = [f"capacity ({capacity.get('topology')}), requests against allocatable:"]
    for scenario in capacity.get("scenarios", []):
        lines.append(
            f"  {scenario['scenario']:<14} {int(scenario['hosts'])} host(s): "
            f"memory {int(scenario['requested_memory_mib']):,}/{int(scenario['allocatable_memory_mib']):,} MiB "
            f"(headroom {int(scenario['headroom_memory_mib']):,} MiB, {scenario['headroom_memory_percent']}%), "
            f"cpu {int(scenario['requested_cpu_millis']):,}/{int(scenario['allocatable_cpu_millis']):,} m "
            f"(headroom {int(scenario['headroom_cpu_millis']):,} m, {scenario['headroom_cpu_percent']}%)"
        )
    peak = capacity.get("autoscaled_peak", {})
    if peak:
        lines.append(
            f"  autoscaled to max (all hosts): memory {int(peak['requested_memory_mib']):,} MiB, "
            f"cpu {int(peak['requested_cpu_millis']):,} m"
        )
    agents = capacity.get("per_host_agents", {})
    if agents:
        lines.append(
            f"  per-host agents on every host: memory {int(agents['memory_mib']):,} MiB, "
            f"cpu {int(agents['cpu_millis']):,} m"
        )
    return "\n".join(lines)


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


def mermaid_diagram(graph: StackGraph) -> str:
    manifests = kubernetes_manifests(graph)
    edges, namespace_of = flow_edges(manifests)
    releases = {unwrap_secrets(record.inputs).get("name") for record in helm_releases(graph)}
    deployed = _deployed_services(manifests, namespace_of, releases)
    by_namespace: dict[str, list[str]] = defaultdict(list)
    for service, namespace in sorted(namespace_of.items()):
        by_namespace[namespace].append(service)

    lines = ["flowchart LR"]
    for namespace, services in sorted(by_namespace.items()):
        lines.append(f'  subgraph {_node_id(namespace)}["{namespace}"]')
        for service in services:
            lines.append(f'    {_node_id(service)}["{service}"]:::{"deployed" if service in deployed else "planned"}')
        lines.append("  end")
    outside = sorted({edge.target for edge in edges if edge.target not in namespace_of})
    for node in outside:
        lines.append(f'  {_node_id(node)}(["{node}"]):::external')
    for edge in edges:
        lines.append(f"  {_node_id(edge.source)} -->|{edge.port}| {_node_id(edge.target)}")
    lines.append("  classDef deployed fill:#d7f5dd,stroke:#2b8a3e")
    lines.append("  classDef external fill:#e7f5ff,stroke:#1c7ed6")
    lines.append("  classDef planned fill:#f1f3f5,stroke:#868e96,stroke-dasharray: 4 3")
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


if __name__ == "__main__":
    sys.exit(main())
