"""Compare the whole resource graph of every stack and backend before and after a change.

    python -m offline.graph_diff dump build/graphs-before.json        # on the old commit
    python -m offline.graph_diff dump build/graphs-after.json         # on the new one
    python -m offline.graph_diff compare build/graphs-before.json build/graphs-after.json [--details]

For refactors that must not change what is deployed. Each resource is reduced to its type and inputs, with
the names Pulumi would generate and the mocked secrets masked, so renamed resources still match. The
comparison lists, per stack and backend, how many resources are identical, and every change by kind:
resources added or removed, and for each changed object the JSON paths that differ.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from offline.graph import PROJECT_ROOT, evaluate_stack, read_stack_config, unwrap_secrets
from offline.manifests import integral_numbers

STACKS = ("dev", "staging", "prod")
BACKENDS = {
    "minio": {"backend": "minio"},
    "seaweedfs": {"backend": "seaweedfs"},
    "external": {"backend": "external", "external_endpoint": "https://s3.eu-west-1.amazonaws.com", "bucket_prefix": "acme-"},
}
EXTERNAL_SECRETS = ("object_storage_access_key", "object_storage_secret_key")


def dump(out: Path) -> dict[str, Any]:
    snapshot = {}
    for stack in STACKS:
        for backend, settings in BACKENDS.items():
            config, secret_keys = read_stack_config(PROJECT_ROOT / f"Pulumi.{stack}.yaml")
            config["data-platform:object_storage"] = json.dumps(settings)
            if backend == "external":
                for key in EXTERNAL_SECRETS:
                    config[f"data-platform:{key}"] = f"mock-config-secret-{key}"
                    secret_keys.append(f"data-platform:{key}")
            graph = evaluate_stack(stack, config=config, secret_keys=secret_keys)
            names = sorted({record.name for record in graph.resources}, key=len, reverse=True)
            rows = sorted(
                [record.type, json.dumps(_masked(integral_numbers(unwrap_secrets(record.inputs)), names), sort_keys=True)]
                for record in graph.resources
                if record.type != "pulumi:pulumi:Stack"
            )
            outputs = json.dumps(_masked(integral_numbers(unwrap_secrets(graph.outputs)), names), sort_keys=True)
            snapshot[f"{stack}/{backend}"] = {"resources": rows, "outputs": outputs}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(snapshot, indent=1))
    return snapshot


def _masked(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        value = re.sub(r"mock-secret-[\w.-]+", "mock-secret-*", value)
        for name in names:
            value = value.replace(f"{name}-mock", "<generated>")
        return value
    if isinstance(value, dict):
        return {key: _masked(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, names) for item in value]
    return value


def _paths(before: Any, after: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if key not in before:
                yield f"{prefix}.{key} added"
            elif key not in after:
                yield f"{prefix}.{key} removed"
            else:
                yield from _paths(before[key], after[key], f"{prefix}.{key}")
    elif before != after:
        yield f"{prefix} changed"


def _identity(type_: str, document: dict[str, Any]) -> tuple:
    metadata = document.get("metadata") or {}
    flows = (metadata.get("annotations") or {}).get("dataplatform.io/flows", "")
    selector = json.dumps((document.get("spec") or {}).get("podSelector")) if type_.endswith("NetworkPolicy") else ""
    name = metadata.get("name") if metadata.get("name") != "<generated>" else None
    return (type_, metadata.get("namespace"), name, document.get("name"), flows, "" if flows else selector)


def compare(before: dict[str, Any], after: dict[str, Any], *, details: bool) -> list[str]:
    lines, summary = [], collections.Counter()
    for key in before:
        old = collections.Counter(tuple(row) for row in before[key]["resources"])
        new = collections.Counter(tuple(row) for row in after[key]["resources"])
        outputs = "identical" if before[key]["outputs"] == after[key]["outputs"] else "DIFFERENT"
        lines.append(
            f"{key}: {sum(old.values())} → {sum(new.values())} resources, {sum((old & new).values())} identical; "
            f"stack outputs {outputs}"
        )
        gone, came = collections.defaultdict(list), collections.defaultdict(list)
        for type_, text in (old - new).elements():
            gone[_identity(type_, json.loads(text))].append(json.loads(text))
        for type_, text in (new - old).elements():
            came[_identity(type_, json.loads(text))].append(json.loads(text))
        for identity in sorted(set(gone) | set(came), key=str):
            if len(gone.get(identity, [])) == len(came.get(identity, [])) == 1:
                for path in _paths(gone[identity][0], came[identity][0]):
                    summary[(identity[0], path)] += 1
                    if details:
                        lines.append(f"  ~ {identity[0]} {identity[2] or identity[3] or identity[4][:60]}: {path}")
            else:
                summary[(identity[0], "removed")] += len(gone.get(identity, []))
                summary[(identity[0], "added")] += len(came.get(identity, []))
    lines.append("\nEvery change, over all stacks and backends:")
    lines += [f"  {count:4} × {type_}: {change}" for (type_, change), count in sorted(summary.items()) if count]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.graph_diff", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump").add_argument("out", type=Path)
    compare_parser = commands.add_parser("compare")
    compare_parser.add_argument("before", type=Path)
    compare_parser.add_argument("after", type=Path)
    compare_parser.add_argument("--details", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "dump":
        snapshot = dump(args.out)
        print(f"wrote {args.out}: " + ", ".join(f"{key} {len(value['resources'])}" for key, value in snapshot.items()))
        return 0
    print("\n".join(compare(json.loads(args.before.read_text()), json.loads(args.after.read_text()), details=args.details)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
