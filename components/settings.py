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
from typing import Annotated, Any, Literal, Self

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from components.catalog import SERVICES_BY_NAME, ObjectStorageBackend, ServiceSpec, active_services
from components.storage.placement import LayoutError, erasure_plan, replication_plan
from components.topology import (
    PROFILES,
    ClusterShape,
    FailureDomain,
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


class ObjectStorageSettings(_Declared):
    """`object_storage`: where the data lake's buckets live."""

    backend: ObjectStorageBackend = ObjectStorageBackend.MINIO
    """`minio` (deployed, erasure-coded; frozen upstream, see README), `seaweedfs` (deployed, replicated, maintained) or `external` (an existing S3 endpoint; nothing deployed)."""
    region: str = "us-east-1"
    """S3 region clients sign requests for. In-cluster backends accept any; for AWS use the buckets' region."""
    bucket_prefix: str = ""
    """Prefix of every bucket name (`<prefix>bronze`, ...). Bucket names are global on AWS S3: set one there."""
    console_service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    """How MinIO's web console is exposed. ClusterIP keeps it inside the cluster (`kubectl port-forward`)."""
    external_endpoint: str | None = None
    """backend `external` only, and then required: the S3 endpoint URL, e.g. `https://s3.eu-west-1.amazonaws.com`. Credentials: the secret keys `object_storage_access_key` and `object_storage_secret_key`."""
    external_cidrs: list[str] = ["0.0.0.0/0"]
    """backend `external` only: addresses of the endpoint, for the egress NetworkPolicies."""

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+|us-east-1", value):
            raise ValueError("use an S3 region name such as 'us-east-1' or 'eu-west-1'")
        return value

    @field_validator("bucket_prefix")
    @classmethod
    def _bucket_prefix(cls, value: str) -> str:
        # The longest bucket is "backups" (7 characters); S3 names are at most 63.
        if value and (len(value) > 50 or not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", value) or ".." in value):
            raise ValueError("use lower-case letters, digits, '-' and '.', starting with a letter or digit, at most 50")
        return value

    @field_validator("external_endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?/?", value):
            raise ValueError("give the endpoint as scheme://host[:port], e.g. 'https://s3.eu-west-1.amazonaws.com'")
        return value.rstrip("/") if value else value

    @field_validator("external_cidrs")
    @classmethod
    def _external_cidrs(cls, cidrs: list[str]) -> list[str]:
        return _validated_cidrs(cidrs)

    @model_validator(mode="after")
    def _endpoint_matches_backend(self) -> Self:
        if self.backend is ObjectStorageBackend.EXTERNAL and self.external_endpoint is None:
            raise ValueError(
                "backend 'external' needs external_endpoint. Fix: "
                "`pulumi config set --path object_storage.external_endpoint https://<host>`"
            )
        if self.backend is not ObjectStorageBackend.EXTERNAL and self.external_endpoint is not None:
            raise ValueError(
                f"external_endpoint is only used with backend 'external', not {str(self.backend)!r}. Fix: "
                "`pulumi config rm --path object_storage.external_endpoint`, or set the backend to external"
            )
        return self


class BackupSettings(_Declared):
    """`backups`: PostgreSQL base backups and WAL archive, Elasticsearch snapshots, all to the `backups` bucket."""

    retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """How long backups and snapshots are kept, in days."""
    base_backup_hour_utc: Annotated[int, Field(ge=0, le=23)] = 3
    """Hour (UTC) of the daily PostgreSQL base backup and Elasticsearch snapshot."""


SECRET_KEYS: dict[str, str] = {
    "object_storage_access_key": "backend `external` only, and then required: the S3 access key ID.",
    "object_storage_secret_key": "backend `external` only, and then required: the S3 secret access key.",
}
"""Config keys that hold credentials: set with `pulumi config set --secret`, read only as secret Outputs."""


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
    object_storage: ObjectStorageSettings = ObjectStorageSettings()
    """Object storage backend and buckets; see the `object_storage.*` keys."""
    backups: BackupSettings = BackupSettings()
    """Backup schedule and retention; see the `backups.*` keys."""

    @field_validator("kubernetes_api_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        return _validated_cidrs(cidrs)

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


def _validated_cidrs(cidrs: list[str]) -> list[str]:
    if not cidrs:
        raise ValueError("list at least one CIDR, e.g. ['10.0.0.1/32']")
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError as error:
            raise ValueError(f"{cidr!r} is not a CIDR block ({error})") from None
    return cidrs


class PlatformSettings(BaseModel):
    """The validated settings the program runs with: the stack's identity and its resolved profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project: str
    stack: str
    namespace_prefix: str
    kubernetes_api_cidrs: tuple[str, ...]
    object_storage: ObjectStorageSettings
    backups: BackupSettings
    secret_keys_set: frozenset[str] = frozenset()
    """Which of SECRET_KEYS the stack sets (their values are only ever read as secret Outputs)."""
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
    def active_services(self) -> tuple[ServiceSpec, ...]:
        """The catalog services this stack deploys (one object-storage backend's)."""
        return active_services(self.object_storage.backend)

    @property
    def instance(self) -> str:
        """`app.kubernetes.io/instance` of everything this stack deploys."""
        return f"{self.project}-{self.stack}"

    def namespace(self, zone: str) -> str:
        return f"{self.namespace_prefix}-{zone}"


def load_settings() -> PlatformSettings:
    """Read this stack's config from the Pulumi runtime and validate it; raises SettingsError."""
    raw = project_config(PROJECT)
    return parse_settings(raw, stack=pulumi.get_stack(), project=PROJECT, secret_keys=_secret_config_keys(raw))


def secret_setting(settings: PlatformSettings, key: str) -> pulumi.Output[str]:
    """The value of a secret config key, as a secret Output (never as a plain string)."""
    if key not in SECRET_KEYS:
        raise KeyError(f"{key} is not a declared secret setting ({', '.join(SECRET_KEYS)})")
    if key not in settings.secret_keys_set:
        raise KeyError(f"{key} is not set in stack {settings.stack!r}")
    return pulumi.Config(settings.project).require_secret(key)


def _secret_config_keys(raw: Mapping[str, str]) -> set[str]:
    marked = set(pulumi.runtime.config.get_config_secret_keys_env())
    return {
        key for key in raw
        if pulumi.runtime.config.is_config_secret(f"{PROJECT}:{key}") or f"{PROJECT}:{key}" in marked
    }


def project_config(project: str) -> dict[str, str]:
    """Every `<project>:<key>` config value the engine passed to this program, keyed by `<key>`.

    The CLI passes config in the PULUMI_CONFIG environment variable; tests and the mocks use
    `set_all_config`. Both are read so an unknown key is found wherever it came from.
    """
    merged: dict[str, Any] = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    prefix = f"{project}:"
    return {key[len(prefix):]: value for key, value in merged.items() if key.startswith(prefix)}


def parse_settings(
    raw: Mapping[str, str], *, stack: str, project: str = PROJECT, secret_keys: set[str] | frozenset[str] = frozenset()
) -> PlatformSettings:
    """Validate raw config strings (as the CLI passes them) into PlatformSettings; raises SettingsError.

    `secret_keys` names the keys the stack stores encrypted; a credential stored in plain text is an error.
    """
    problems: list[str] = []
    decoded: dict[str, Any] = {}
    secrets_set = {key for key in raw if key in SECRET_KEYS}
    for key in sorted(secrets_set - set(secret_keys)):
        # The value is never shown: it is a credential that was stored in clear by mistake.
        problems.append(
            f"{project}:{key}: holds a credential but is stored in plain text in the stack file. "
            f"Fix: `pulumi config set --secret {key} <value>` (and rotate the credential)"
        )
    for key, value in raw.items():
        if key in SECRET_KEYS:
            continue
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
        raise SettingsError(stack, problems + [_describe(project, item) for item in error.errors()]) from None

    problems += _secret_key_problems(config, secrets_set, project)
    profile, profile_problems = _resolve_profile(config, project)
    problems += profile_problems
    if problems or profile is None:
        raise SettingsError(stack, problems)
    return PlatformSettings(
        project=project,
        stack=stack,
        namespace_prefix=config.namespace_prefix,
        kubernetes_api_cidrs=tuple(config.kubernetes_api_cidrs),
        object_storage=config.object_storage,
        backups=config.backups,
        secret_keys_set=frozenset(secrets_set),
        profile=profile,
    )


def _secret_key_problems(config: StackConfig, secrets_set: set[str], project: str) -> list[str]:
    external = config.object_storage.backend is ObjectStorageBackend.EXTERNAL
    credentials = {"object_storage_access_key", "object_storage_secret_key"}
    if external:
        return [
            f"{project}:{key}: required with object_storage.backend external. "
            f"Fix: `pulumi config set --secret {key} <value>`"
            for key in sorted(credentials - secrets_set)
        ]
    return [
        f"{project}:{key}: only used with object_storage.backend external, which this stack does not use "
        f"({config.object_storage.backend}); the in-cluster backends generate their own credentials. "
        f"Fix: `pulumi config rm {key}`"
        for key in sorted(credentials & secrets_set)
    ]


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
    if not problems:
        problems += _object_storage_layout_problems(profile, config.object_storage.backend, project)
    return (None if problems else profile), problems


def _object_storage_layout_problems(profile: Profile, backend: ObjectStorageBackend, project: str) -> list[str]:
    """The deployed backend must keep the lake readable and writable after the topology's failure."""
    services, domains = profile.services, profile.failure_domain_count
    try:
        if backend is ObjectStorageBackend.MINIO:
            minio = services["minio"]
            erasure_plan(minio.replicas, minio.volumes_per_replica, domains)
        elif backend is ObjectStorageBackend.SEAWEEDFS:
            replication_plan(
                services["seaweedfs_master"].replicas,
                services["seaweedfs_volume"].replicas,
                services["seaweedfs_filer"].replicas,
                domains,
                zoned=profile.failure_domain is FailureDomain.ZONE,
            )
    except LayoutError as error:
        return [f"{project}:{error.key}: {error}"]
    return []


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
    if parent == ["object_storage"]:
        return ObjectStorageSettings.model_fields
    if parent == ["backups"]:
        return BackupSettings.model_fields
    if len(parent) == 2 and parent[0] == "services":
        return ServiceOverrides.model_fields
    return ()


def _unknown_top_level_key(project: str, key: str) -> str:
    return (
        f"{project}:{key}: {_unknown_key_message(key, [*StackConfig.model_fields, *SECRET_KEYS])} "
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
