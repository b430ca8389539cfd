"""Stack settings: every config key of the program, declared once, validated once.

`load_settings()` reads the stack's `data-platform:*` config, rejects unknown keys (a typo must not be
ignored silently), merges the overrides onto the topology profile chosen by `topology`, and validates
the result. Every problem is reported at once, each naming the key, the bad value and the fix, before a
single resource is declared.

The declarations below are the reference: the README's configuration section is generated from them
(`python -m offline.config_reference`) and a test keeps the two in sync.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from components.catalog import SERVICES_BY_NAME
from components.topology import (
    PROFILES,
    ClusterShape,
    Profile,
    ServiceSize,
    Topology,
    check_profile_against_catalog,
)

PROJECT = "data-platform"

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class SettingsError(pulumi.RunError):
    """Invalid stack configuration. Pulumi prints a RunError's message without a Python traceback."""

    def __init__(self, stack: str, problems: list[str]):
        self.problems = problems
        count = f"{len(problems)} configuration problem{'s' if len(problems) != 1 else ''}"
        body = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"stack {stack!r} has {count}; nothing was deployed:\n{body}")


class _Declared(BaseModel):
    # Attribute docstrings become field descriptions, which the generated config reference prints.
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ClusterOverrides(_Declared):
    """`cluster`: the hosts of this stack. Unset fields come from the topology profile."""

    host_count: Annotated[int, Field(ge=1)] | None = None
    """Number of Kubernetes worker hosts. dev: exactly 1; staging: 2 or 3; prod: a multiple of the zone count."""
    host_memory_mib: Annotated[int, Field(ge=1024)] | None = None
    """Memory of each host in MiB."""
    host_cpu_millis: Annotated[int, Field(ge=1000)] | None = None
    """CPU of each host in millicores (1000 = one core)."""
    reserved_memory_mib: Annotated[int, Field(ge=0)] | None = None
    """Memory per host kept for the OS, kubelet and container runtime; not available to pods."""
    reserved_cpu_millis: Annotated[int, Field(ge=0)] | None = None
    """CPU per host kept for the OS, kubelet and container runtime."""
    zones: list[str] | None = None
    """Zone names as the nodes' `topology.kubernetes.io/zone` label has them. prod needs at least 3."""

    @field_validator("zones")
    @classmethod
    def _zone_names(cls, zones: list[str] | None) -> list[str] | None:
        for zone in zones or []:
            if not zone or len(zone) > 63 or not re.fullmatch(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?", zone):
                raise ValueError(f"zone name {zone!r} is not a valid label value (1-63 alphanumerics, '-', '_', '.')")
        return zones


class ServiceOverrides(_Declared):
    """`services.<name>`: per-service numbers. Unset fields come from the topology profile."""

    replicas: Annotated[int, Field(ge=1)] | None = None
    """Pods of the service (concurrent pods for job slots such as `airbyte_jobs` and `dbt`)."""
    max_replicas: Annotated[int, Field(ge=1)] | None = None
    """Autoscaling ceiling for stateless services; above `replicas` adds a HorizontalPodAutoscaler."""
    cpu_request_millis: Annotated[int, Field(ge=1)] | None = None
    """CPU request per pod in millicores."""
    cpu_limit_millis: Annotated[int, Field(ge=1)] | None = None
    """CPU limit per pod in millicores."""
    memory_request_mib: Annotated[int, Field(ge=1)] | None = None
    """Memory request per pod in MiB."""
    memory_limit_mib: Annotated[int, Field(ge=1)] | None = None
    """Memory limit per pod in MiB."""
    storage_gib: Annotated[int, Field(ge=1)] | None = None
    """Size of each persistent volume in GiB (stateful services)."""
    volumes_per_replica: Annotated[int, Field(ge=1)] | None = None
    """Data volumes per pod (object-storage drives per server)."""
    jvm_heap_mib: Annotated[int, Field(ge=64)] | None = None
    """JVM maximum heap in MiB (Elasticsearch, Dremio, ZooKeeper)."""
    jvm_direct_memory_mib: Annotated[int, Field(ge=64)] | None = None
    """JVM maximum direct memory in MiB (Dremio)."""


class StackConfig(_Declared):
    """Every key of the `data-platform` config namespace."""

    topology: Topology
    """Required. The topology profile: `dev` (one host), `staging` (3 hosts, survives a host) or `prod` (3+ zones, survives a zone)."""
    cluster: ClusterOverrides = ClusterOverrides()
    """Host layout overrides; see the `cluster.*` keys."""
    services: dict[str, ServiceOverrides] = {}
    """Per-service size overrides, keyed by service name; see the `services.<name>.*` keys."""
    storage_class: str | None = None
    """StorageClass of every PersistentVolumeClaim. Unset: the cluster's default class. In prod, name an SSD class that binds volumes in the pod's zone (`volumeBindingMode: WaitForFirstConsumer`)."""
    namespace_prefix: str = "dp"
    """Prefix of the platform's namespaces (`<prefix>-storage`, ...), so two stacks can share a cluster."""
    kubernetes_api_cidrs: list[str] = ["0.0.0.0/0"]
    """Addresses of the Kubernetes API server, for the NetworkPolicies of operators and agents that call it and of webhooks it calls. The default allows any address on ports 443/6443; narrow it to your control plane's CIDRs."""

    @field_validator("kubernetes_api_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        if not cidrs:
            raise ValueError("list at least one CIDR, e.g. ['10.0.0.1/32']")
        for cidr in cidrs:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError as error:
                raise ValueError(f"{cidr!r} is not a CIDR block ({error})") from None
        return cidrs

    @field_validator("storage_class")
    @classmethod
    def _storage_class_name(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 253 or not _DNS_SUBDOMAIN.match(value)):
            raise ValueError("a StorageClass name is a lower-case DNS subdomain such as 'ssd' or 'premium-rwo'")
        return value

    @field_validator("namespace_prefix")
    @classmethod
    def _prefix_is_dns_label(cls, value: str) -> str:
        # The longest zone name is 12 characters; namespaces are DNS labels of at most 63.
        if len(value) > 50 or not _DNS_LABEL.match(value):
            raise ValueError("use 1-50 lower-case letters, digits and '-', starting and ending alphanumeric")
        return value


class PlatformSettings(BaseModel):
    """The validated settings the program runs with: the stack's identity and its resolved profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project: str
    stack: str
    namespace_prefix: str
    kubernetes_api_cidrs: tuple[str, ...]
    profile: Profile

    @property
    def topology(self) -> Topology:
        return self.profile.topology

    @property
    def cluster(self) -> ClusterShape:
        return self.profile.cluster

    @property
    def services(self) -> dict[str, ServiceSize]:
        return self.profile.services

    @property
    def instance(self) -> str:
        """`app.kubernetes.io/instance` of everything this stack deploys."""
        return f"{self.project}-{self.stack}"

    def namespace(self, zone: str) -> str:
        return f"{self.namespace_prefix}-{zone}"


def load_settings() -> PlatformSettings:
    """Read this stack's config from the Pulumi runtime and validate it; raises SettingsError."""
    return parse_settings(project_config(PROJECT), stack=pulumi.get_stack(), project=PROJECT)


def project_config(project: str) -> dict[str, str]:
    """Every `<project>:<key>` config value the engine passed to this program, keyed by `<key>`.

    The CLI passes config in the PULUMI_CONFIG environment variable; tests and the mocks use
    `set_all_config`. Both are read so an unknown key is found wherever it came from.
    """
    merged: dict[str, Any] = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    prefix = f"{project}:"
    return {key[len(prefix):]: value for key, value in merged.items() if key.startswith(prefix)}


def parse_settings(raw: Mapping[str, str], *, stack: str, project: str = PROJECT) -> PlatformSettings:
    """Validate raw config strings (as the CLI passes them) into PlatformSettings; raises SettingsError."""
    problems: list[str] = []
    decoded: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in StackConfig.model_fields:
            problems.append(_unknown_top_level_key(project, key))
            continue
        try:
            decoded[key] = _decode(key, value)
        except ValueError as error:
            problems.append(f"{project}:{key} = {_show(value)}: {error}")
    services = decoded.get("services")
    if isinstance(services, dict):
        for name in [name for name in services if name not in SERVICES_BY_NAME]:
            problems.append(
                f"{project}:services.{name}: {_unknown_key_message(name, SERVICES_BY_NAME)} "
                f"Fix: `pulumi config rm --path 'services.{name}'`, then set the intended service"
            )
            del services[name]

    try:
        config = StackConfig.model_validate(decoded)
    except ValidationError as error:
        problems += [_describe(project, item) for item in error.errors()]
    if problems:
        raise SettingsError(stack, problems)

    profile, problems = _resolve_profile(config, project)
    if problems:
        raise SettingsError(stack, problems)
    assert profile is not None
    return PlatformSettings(
        project=project,
        stack=stack,
        namespace_prefix=config.namespace_prefix,
        kubernetes_api_cidrs=tuple(config.kubernetes_api_cidrs),
        profile=profile,
    )


def _resolve_profile(config: StackConfig, project: str) -> tuple[Profile | None, list[str]]:
    base = PROFILES[config.topology]
    problems: list[str] = []

    cluster_values = {**base.cluster.model_dump(), **config.cluster.model_dump(exclude_none=True)}
    if config.cluster.zones is not None:
        cluster_values["zones"] = tuple(config.cluster.zones)
    try:
        cluster = ClusterShape.model_validate(cluster_values)
    except ValidationError as error:
        problems += [_describe(project, item, prefix=("cluster",)) for item in error.errors()]
        cluster = None

    services: dict[str, ServiceSize] = {}
    for name, size in base.services.items():
        override = config.services.get(name)
        values = {**size.model_dump(), **(override.model_dump(exclude_none=True) if override else {})}
        try:
            services[name] = ServiceSize.model_validate(values)
        except ValidationError as error:
            problems += [_describe(project, item, prefix=("services", name)) for item in error.errors()]

    if problems or cluster is None:
        return None, problems

    profile = base.model_copy(
        update={"cluster": cluster, "services": services, "storage_class": config.storage_class or base.storage_class}
    )
    problems += [f"{project}:{problem}" for problem in check_profile_against_catalog(profile)]
    problems += _topology_rule_problems(profile, project)
    return (None if problems else profile), problems


def _topology_rule_problems(profile: Profile, project: str) -> list[str]:
    rules, cluster, topology = profile.rules, profile.cluster, profile.topology
    problems = []
    if cluster.host_count < rules.min_hosts or (rules.max_hosts is not None and cluster.host_count > rules.max_hosts):
        allowed = (
            f"exactly {rules.min_hosts}"
            if rules.max_hosts == rules.min_hosts
            else f"{rules.min_hosts} to {rules.max_hosts}"
            if rules.max_hosts is not None
            else f"at least {rules.min_hosts}"
        )
        problems.append(
            f"{project}:cluster.host_count = {cluster.host_count}: the {topology} topology runs on {allowed} "
            f"hosts. Fix: `pulumi config set --path cluster.host_count {rules.min_hosts}`, or choose another topology"
        )
    if len(cluster.zones) < rules.min_zones:
        problems.append(
            f"{project}:cluster.zones = {_show(list(cluster.zones))}: the {topology} topology must survive losing "
            f"a zone, which needs at least {rules.min_zones} zones. Fix: list the zone names of your nodes, e.g. "
            "`pulumi config set --path 'cluster.zones[0]' eu-west-1a` (and [1], [2])"
        )
    elif cluster.zones and cluster.host_count % len(cluster.zones):
        problems.append(
            f"{project}:cluster.host_count = {cluster.host_count}: hosts must divide evenly into the "
            f"{len(cluster.zones)} zones so that losing any zone loses the same capacity. "
            f"Fix: `pulumi config set --path cluster.host_count {len(cluster.zones) * max(1, cluster.host_count // len(cluster.zones))}`"
        )
    return problems


def _decode(key: str, value: Any) -> Any:
    """Config values arrive as strings; objects and lists are JSON text."""
    annotation = StackConfig.model_fields[key].annotation
    wants_text = annotation in (str, str | None) or key == "topology"
    if not isinstance(value, str) or wants_text:
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ValueError(f"expected a JSON object or list ({error.msg} at position {error.pos})") from None


def _describe(project: str, item: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> str:
    """One pydantic error as a sentence naming the key, the bad value and the fix."""
    location = [str(part) for part in (*prefix, *item["loc"])]
    path = ".".join(location)
    kind = item["type"]
    if kind == "extra_forbidden":
        return (
            f"{project}:{path}: {_unknown_key_message(location[-1], _declared_keys(location[:-1]))} "
            f"Fix: `pulumi config rm --path '{path}'`, then set the intended key"
        )
    if kind == "missing":
        return f"{project}:{path}: required but not set. Fix: {_set_command(path, _example_value(path))}"
    message = str(item["msg"]).removeprefix("Value error, ")
    if isinstance(item.get("input"), dict):
        # A whole-object check (e.g. limits below requests): its message names the fields and the fix.
        return f"{project}:{path}: {message}"
    return f"{project}:{path} = {_show(item['input'])}: {message}. Fix: {_set_command(path, '<value>')}"


def _set_command(path: str, value: str) -> str:
    if "." in path or "[" in path:
        return f"`pulumi config set --path '{path}' {value}`"
    return f"`pulumi config set {path} {value}`"


def _example_value(path: str) -> str:
    return "<" + "|".join(Topology) + ">" if path == "topology" else "<value>"


def _declared_keys(parent: list[str]) -> Iterable[str]:
    """The keys declared at a config path, for "did you mean" suggestions."""
    if not parent:
        return StackConfig.model_fields
    if parent == ["cluster"]:
        return ClusterOverrides.model_fields
    if len(parent) == 2 and parent[0] == "services":
        return ServiceOverrides.model_fields
    return ()


def _unknown_top_level_key(project: str, key: str) -> str:
    return (
        f"{project}:{key}: {_unknown_key_message(key, StackConfig.model_fields)} "
        f"Fix: `pulumi config rm {key}`, then set the intended key"
    )


def _unknown_key_message(key: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}.{hint} Known keys: {', '.join(known)}."


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
