"""The README's configuration reference, generated from the settings declarations and the profiles.

    python -m offline.config_reference            # print it
    python -m offline.config_reference --write    # replace the generated section of README.md

A test fails when README.md and this output differ, so the reference cannot go stale.
"""

from __future__ import annotations

import argparse
import enum
import json
import sys
import types
import typing
from pathlib import Path

from annotated_types import Ge, Le
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from components.catalog import SERVICES
from components.settings import (
    SECRET_KEYS,
    BackupSettings,
    ClusterOverrides,
    ObjectStorageSettings,
    ServiceOverrides,
    StackConfig,
)
from components.topology import PROFILES, ServiceSize, Topology

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- BEGIN GENERATED: config-reference (python -m offline.config_reference --write) -->"
END = "<!-- END GENERATED: config-reference -->"


def render() -> str:
    lines = [
        "All keys live in the `data-platform` namespace (`pulumi config set data-platform:<key>` or, inside the",
        "project directory, `pulumi config set <key>`). Nested keys are set with `--path`, for example",
        "`pulumi config set --path services.dremio_executor.replicas 4`. Unknown keys are errors.",
        "",
        "| Key | Type | Default | Meaning |",
        "|---|---|---|---|",
    ]
    nested = {"object_storage": ObjectStorageSettings, "backups": BackupSettings}
    for name, field in StackConfig.model_fields.items():
        if name == "cluster":
            lines += _rows(ClusterOverrides, "cluster.", _cluster_default)
        elif name == "services":
            lines += _rows(ServiceOverrides, "services.<name>.", lambda _: "from the profile (below)")
        elif name in nested:
            model = nested[name]
            lines += [_row(f"{name}.{key}", sub, _plain_default(sub)) for key, sub in model.model_fields.items()]
        else:
            lines.append(_row(name, field, _plain_default(field)))
    for key, description in SECRET_KEYS.items():
        lines.append(f"| `{key}` | secret string (`pulumi config set --secret`) | unset | {description} |")
    lines += ["", "Service names: " + ", ".join(f"`{s.name}`" for s in SERVICES) + ".", ""]
    lines += _size_tables()
    return "\n".join(lines) + "\n"


def _rows(model: type[BaseModel], prefix: str, default: typing.Callable[[str], str]) -> list[str]:
    return [_row(prefix + name, field, default(name)) for name, field in model.model_fields.items()]


def _row(key: str, field: FieldInfo, default: str) -> str:
    description = (field.description or "").replace("|", "\\|")
    return f"| `{key}` | {_type_name(field)} | {default} | {description} |"


def _type_name(field: FieldInfo) -> str:
    annotation = field.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    constraints = list(field.metadata)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        constraints += [item for meta in extra for item in getattr(meta, "metadata", [meta])]
    minimum = next((c.ge for c in constraints if isinstance(c, Ge)), None)
    maximum = next((c.le for c in constraints if isinstance(c, Le)), None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(f"`{member.value}`" for member in annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in typing.get_args(annotation))
    if annotation is int and minimum is not None and maximum is not None:
        return f"integer {minimum}–{maximum}"
    if typing.get_origin(annotation) is list:
        return "list of strings"
    if typing.get_origin(annotation) is dict:
        return "object"
    if annotation is int:
        return f"integer ≥ {minimum}" if minimum is not None else "integer"
    return "string" if annotation is str else "object"


def _plain_default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default is None:
        return "unset"
    if isinstance(field.default, BaseModel) or field.default in ({}, []):
        return "—"
    if field.default == "":
        return '`""`'
    return f"`{json.dumps(field.default) if isinstance(field.default, list) else field.default}`"


def _cluster_default(name: str) -> str:
    values = []
    for topology, profile in PROFILES.items():
        value = getattr(profile.cluster, name)
        shown = ", ".join(value) if isinstance(value, tuple) else str(value)
        values.append(f"{topology}: {shown or 'none'}")
    return "; ".join(values)


def _size_tables() -> list[str]:
    lines = [
        "Service sizes per topology (`replicas × CPU request/limit, memory request/limit`, then storage",
        "and JVM heap where they apply; CPU in millicores, memory in MiB, storage in GiB per volume).",
        "Override any number with `services.<name>.<field>`.",
        "",
        "| Service | " + " | ".join(str(t) for t in Topology) + " |",
        "|---|" + "---|" * len(Topology),
    ]
    for service in SERVICES:
        cells = [_size_cell(PROFILES[t].services[service.name]) for t in Topology]
        lines.append(f"| `{service.name}` | " + " | ".join(cells) + " |")
    lines += ["", "| Hosts | " + " | ".join(str(t) for t in Topology) + " |", "|---|" + "---|" * len(Topology)]
    lines.append(
        "| per host | "
        + " | ".join(
            f"{p.cluster.host_count} × {p.cluster.host_cpu_millis}m, {p.cluster.host_memory_mib} MiB "
            f"(reserved {p.cluster.reserved_cpu_millis}m, {p.cluster.reserved_memory_mib} MiB)"
            for p in PROFILES.values()
        )
        + " |"
    )
    lines.append("| must survive | " + " | ".join(f"loss of one {p.failure_domain}".replace("loss of one none", "nothing (one host)") for p in PROFILES.values()) + " |")
    return lines


def _size_cell(size: ServiceSize) -> str:
    replicas = f"{size.replicas}–{size.max_replicas}" if size.autoscaled else str(size.replicas)
    text = (
        f"{replicas} × {size.cpu_request_millis}/{size.cpu_limit_millis}m, "
        f"{size.memory_request_mib}/{size.memory_limit_mib} MiB"
    )
    if size.storage_gib:
        volumes = f"{size.volumes_per_replica} × " if size.volumes_per_replica > 1 else ""
        text += f", {volumes}{size.storage_gib} GiB"
    if size.jvm_heap_mib:
        text += f", heap {size.jvm_heap_mib}"
    return text


def readme_section(readme: str) -> str:
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[start:end].strip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.config_reference")
    parser.add_argument("--write", action="store_true", help="replace the generated section of README.md")
    args = parser.parse_args(argv)
    text = render()
    if not args.write:
        sys.stdout.write(text)
        return 0
    readme = README.read_text()
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    README.write_text(readme[:start] + "\n" + text + readme[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
