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
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from components.platform.errors import ConfigurationError
from components.platform.settings import PROJECT, PlatformSettings, parse_settings
from offline.diagram import legend, mermaid_diagram
from offline.graph import (
    PROJECT_ROOT,
    ResourceRecord,
    StackGraph,
    evaluate_stack,
    read_stack_config,
    unwrap_secrets,
)

DEFAULT_OUT = PROJECT_ROOT / "build" / "plan"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="stack name: dev, staging, prod (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"diagram directory (default {DEFAULT_OUT})")
    parser.add_argument("--details", action="store_true", help="list every resource instead of counts per type")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only validate the settings and run the start-up checks (exit 0 or 2); print no plan",
    )
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
    if args.check:
        print(f"stack {args.stack!r}: settings valid, capacity and availability checked ({elapsed:.2f} s)")
        return 0

    print(render_tree(graph, details=args.details, elapsed_seconds=elapsed))
    capacity = unwrap_secrets(graph.outputs.get("capacity", {}))
    print()
    print(render_capacity(capacity))
    settings = settings_of(args.stack, config, secret_keys)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    diagram = mermaid_diagram(graph, settings)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.stack}.mmd").write_text(diagram)
    (args.out / f"{args.stack}.md").write_text(
        f"# data-platform / {args.stack}\n\n```mermaid\n{diagram}```\n\n{legend(settings)}\n\n"
        f"```\n{render_capacity(capacity)}\n```\n"
    )
    print(f"\nDiagram: {args.out / (args.stack + '.mmd')} (Markdown for pull requests: {args.stack}.md)")
    return 0


def settings_of(stack: str, config: dict[str, str], secret_keys: list[str]) -> PlatformSettings:
    """The stack's settings from the config the plan evaluated (the program validated it already)."""
    prefix = f"{PROJECT}:"
    raw = {key.removeprefix(prefix): value for key, value in config.items() if key.startswith(prefix)}
    secrets = {key.removeprefix(prefix) for key in secret_keys if key.startswith(prefix)}
    return parse_settings(raw, stack=stack, secret_keys=secrets)


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
            f"  autoscaled to max (all hosts up, agents included): "
            f"memory {int(peak['requested_memory_mib']):,}/{int(peak['allocatable_memory_mib']):,} MiB "
            f"({peak['headroom_memory_percent']}% headroom), "
            f"cpu {int(peak['requested_cpu_millis']):,}/{int(peak['allocatable_cpu_millis']):,} m "
            f"({peak['headroom_cpu_percent']}% headroom)"
        )
    limits = capacity.get("memory_limits", {})
    if limits:
        lines.append(
            f"  memory limits, for information: {int(limits['limits_mib']):,} MiB on "
            f"{int(limits['allocatable_mib']):,} MiB allocatable ({limits['percent_of_allocatable']}%): pods may burst "
            "past their requests up to their limits, and the kernel reclaims beyond that"
        )
    agents = capacity.get("per_host_agents", {})
    if agents:
        lines.append(
            f"  per-host agents on every host: memory {int(agents['memory_mib']):,} MiB, "
            f"cpu {int(agents['cpu_millis']):,} m"
        )
    availability = capacity.get("availability", {})
    if availability:
        accepted = " (reduced availability ACCEPTED: cluster.accept_reduced_availability)" if availability.get(
            "reduced_availability_accepted"
        ) else ""
        lines.append(f"availability: the topology {availability['promise']}{accepted}")
        for service, detail in (availability.get("not_guaranteed") or {}).items():
            lines.append(f"  not guaranteed: {service}: {detail}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
