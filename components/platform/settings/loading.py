"""Reading and validating the stack's config: every key declared once, every problem reported at once.

`load_settings()` reads the stack's `data-platform:*` config, rejects unknown keys (a typo must not be
ignored silently), merges the overrides onto the topology profile chosen by `topology`, and validates the
result. Each problem names the key, the bad value and the fix, before a single resource is declared.

Nothing here names a settings group: suggestions for unknown keys and secret keys are found by walking
the `StackConfig` model tree, and each group says which of its secret keys a configuration needs.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError

from components.platform.catalog import SERVICES_BY_NAME, ObjectStorageBackend
from components.platform.errors import ConfigurationError
from components.platform.settings.base import SettingsGroup
from components.platform.settings.stack import PROJECT, PlatformSettings, StackConfig
from components.platform.topology import (
    PROFILES,
    ClusterShape,
    Profile,
    ServiceSize,
    Topology,
    check_profile_against_catalog,
)
from components.platform.versions import DREMIO, KIBANA


class SettingsError(ConfigurationError):
    """Invalid stack configuration."""

    def __init__(self, stack: str, problems: list[str]):
        count = f"{len(problems)} configuration problem{'s' if len(problems) != 1 else ''}"
        body = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"stack {stack!r} has {count}; nothing was deployed:\n{body}", problems)


def declared_secret_keys() -> dict[str, str]:
    """Every secret config key any settings group declares, with what it holds."""
    keys: dict[str, str] = {}
    for model in _group_models(StackConfig):
        keys.update(model.secret_keys)
    return keys


def load_settings() -> PlatformSettings:
    """Read this stack's config from the Pulumi runtime and validate it; raises SettingsError."""
    raw = project_config(PROJECT)
    ignored = misspelt_namespaces(_all_config_keys(), PROJECT)
    try:
        settings = parse_settings(raw, stack=pulumi.get_stack(), project=PROJECT, secret_keys=_secret_config_keys(raw))
    except SettingsError as error:
        # A key under a misspelt namespace is often the reason a required one is missing: say both.
        raise SettingsError(pulumi.get_stack(), [*error.problems, *ignored]) from None
    return settings.model_copy(update={"warnings": (*ignored, *settings.warnings)})


def misspelt_namespaces(keys: Iterable[str], project: str) -> list[str]:
    """Warnings for config keys whose namespace looks like a misspelling of the project's: they are ignored."""
    flat = re.sub(r"[^a-z0-9]", "", project.lower())
    found: dict[str, list[str]] = {}
    for key in keys:
        namespace, _, name = key.partition(":")
        if not name or namespace == project:
            continue
        if re.sub(r"[^a-z0-9]", "", namespace.lower()) == flat or difflib.SequenceMatcher(None, namespace, project).ratio() >= 0.8:
            found.setdefault(namespace, []).append(name)
    return [
        f"{namespace}: {len(names)} key(s) ({', '.join(sorted(names))}) are in namespace {namespace!r}, which this program "
        f"does not read, so they are ignored. Did you mean {project!r}? Fix: move them, e.g. "
        f"`pulumi config rm '{namespace}:{sorted(names)[0]}'` then `pulumi config set --path '{sorted(names)[0]}' <value>`"
        for namespace, names in sorted(found.items())
    ]


def _all_config_keys() -> set[str]:
    return {*pulumi.runtime.config.get_config_env(), *pulumi.runtime.config.CONFIG.get()}


def secret_setting(settings: PlatformSettings, key: str) -> pulumi.Output[str]:
    """The value of a secret config key, as a secret Output (never as a plain string)."""
    declared = declared_secret_keys()
    if key not in declared:
        raise KeyError(f"{key} is not a declared secret setting ({', '.join(declared)})")
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
    declared_secrets = declared_secret_keys()
    problems: list[str] = []
    decoded: dict[str, Any] = {}
    secrets_set = {key for key in raw if key in declared_secrets}
    for key in sorted(secrets_set - set(secret_keys)):
        # The value is never shown: it is a credential that was stored in clear by mistake.
        problems.append(
            f"{project}:{key}: holds a credential but is stored in plain text in the stack file. "
            f"Fix: `pulumi config set --secret {key} <value>` (and rotate the credential)"
        )
    for key, value in raw.items():
        if key in declared_secrets:
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
        problems += [_describe(project, item) for item in error.errors()]
        # Report the other groups' problems too: each group that is valid on its own is checked as well.
        for group in _valid_groups(decoded):
            problems += _secret_key_problems(group, secrets_set, project)
        raise SettingsError(stack, problems) from None

    for group in config.groups().values():
        problems += _secret_key_problems(group, secrets_set, project)
    problems += _override_problems(config, project)
    if config.topology is Topology.PROD and config.superset.valkey_persistence is False:
        problems.append(
            f"{project}:superset.valkey_persistence = false: prod keeps Valkey's data across restarts, or a restart drops "
            "every queued async query and report. Fix: `pulumi config rm --path superset.valkey_persistence`"
        )
    if config.post_deploy.access == "gateway" and config.edge.domain is None:
        problems.append(
            f"{project}:post_deploy.access = gateway: the providers would reach the services through the edge's hostnames, "
            "but edge.domain is unset. Fix: `pulumi config set --path edge.domain data.example.com` (with "
            "edge.gateway_class_name or edge.ingress_class_name), or `pulumi config rm --path post_deploy.access`"
        )
    profile, profile_problems = _resolve_profile(config, project)
    problems += profile_problems
    if problems or profile is None:
        raise SettingsError(stack, problems)
    return PlatformSettings(
        project=project,
        stack=stack,
        config=config,
        profile=profile,
        secret_keys_set=frozenset(secrets_set),
        warnings=tuple(_warnings(config, project)),
    )


def _warnings(config: StackConfig, project: str) -> list[str]:
    warnings = []
    if config.object_storage.backend is ObjectStorageBackend.MINIO and config.topology is not Topology.DEV:
        warnings.append(
            f"{project}:object_storage.backend = minio: the pinned MinIO community image is frozen upstream and gets "
            "no security fixes. For a long-lived stack use `seaweedfs` (deployed, maintained) or `external` (an S3 "
            "service you run): `pulumi config set --path object_storage.backend seaweedfs`"
        )
    if config.kubernetes_api_cidrs and any(cidr.endswith("/0") for cidr in config.kubernetes_api_cidrs):
        warnings.append(
            f"{project}:kubernetes_api_cidrs = {_show(config.kubernetes_api_cidrs)}: the operators, agents and webhooks may "
            "reach and be reached from any address on 443/6443. Unset it to use the cluster's own API addresses"
        )
    if config.processing.dremio_image_digest is None:
        warnings.append(
            f"{project}:processing.dremio_image_digest is not set: Dremio runs as {DREMIO.reference_with(None)} by tag "
            "alone, so a re-pushed tag would change what runs. Pin it: `pulumi config set --path "
            f"processing.dremio_image_digest $(crane digest {DREMIO.reference_with(None)})`"
        )
    kibana = config.observability.kibana if config.observability.kibana is not None else config.topology is not Topology.DEV
    if kibana and config.observability.kibana_image_digest is None:
        warnings.append(
            f"{project}:observability.kibana_image_digest is not set: Kibana runs as {KIBANA.reference_with(None)} by tag "
            "alone. Pin it: `pulumi config set --path observability.kibana_image_digest "
            f"$(crane digest {KIBANA.reference_with(None)})`"
        )
    return warnings


def _secret_key_problems(group: SettingsGroup, secrets_set: set[str], project: str) -> list[str]:
    problems = []
    for key, why in sorted(group.required_secret_keys().items()):
        if key not in secrets_set:
            problems.append(f"{project}:{key}: {why}. Fix: `pulumi config set --secret {key} <value>`")
    for key in sorted(set(type(group).secret_keys) & secrets_set):
        reason = group.unused_secret_reason(key)
        if reason:
            problems.append(f"{project}:{key}: {reason}. Fix: `pulumi config rm {key}`")
    return problems


def _valid_groups(decoded: Mapping[str, Any]) -> list[SettingsGroup]:
    """The settings groups that validate on their own, when the whole config does not."""
    valid = []
    for name, field in StackConfig.model_fields.items():
        annotation = _plain_annotation(field.annotation)
        if not (isinstance(annotation, type) and issubclass(annotation, SettingsGroup)):
            continue
        try:
            valid.append(annotation.model_validate(decoded.get(name, {})))
        except ValidationError:
            continue
    return valid


def _override_problems(config: StackConfig, project: str) -> list[str]:
    """Service overrides this stack would silently ignore: a service it does not deploy, a field it does not use."""
    problems = []
    backend = config.object_storage.backend
    for name, override in sorted(config.services.items()):
        spec = SERVICES_BY_NAME[name]
        if spec.backend is not None and spec.backend is not backend:
            problems.append(
                f"{project}:services.{name}: {name} runs only with object_storage.backend {spec.backend}, and this "
                f"stack uses {backend}, so the setting would be ignored. Fix: `pulumi config rm --path 'services.{name}'`"
            )
        elif override.volumes_per_replica is not None and not spec.multi_volume:
            problems.append(
                f"{project}:services.{name}.volumes_per_replica = {override.volumes_per_replica}: {name} has one data "
                f"volume per member (only object-storage drives are counted), so the setting would be ignored. "
                f"Fix: `pulumi config rm --path 'services.{name}.volumes_per_replica'`"
            )
    return problems


def _resolve_profile(config: StackConfig, project: str) -> tuple[Profile | None, list[str]]:
    base = PROFILES[config.topology]
    problems: list[str] = []

    overrides = config.cluster.model_dump(exclude_none=True, exclude={"accept_reduced_availability", "allow_data_deletion"})
    cluster_values = {**base.cluster.model_dump(), **overrides}
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


# --- the model tree ----------------------------------------------------------------------------------


def _plain_annotation(annotation: Any) -> Any:
    """`X | None` → X; `Annotated[X, ...]` → X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _model_at(path: list[str]) -> type[BaseModel] | None:
    """The settings model declared at a config path (`[]` is the root, `["services", "dbt"]` a service)."""
    model: type[BaseModel] = StackConfig
    index = 0
    while index < len(path):
        field = model.model_fields.get(path[index])
        if field is None:
            return None
        annotation = _plain_annotation(field.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model, index = annotation, index + 1
        elif typing.get_origin(annotation) is dict and issubclass(typing.get_args(annotation)[1], BaseModel):
            model, index = typing.get_args(annotation)[1], index + 2  # skip the key (a service name)
        else:
            return None
    return model


def _group_models(model: type[BaseModel]) -> Iterable[type[SettingsGroup]]:
    """`model` and every settings group below it."""
    if issubclass(model, SettingsGroup):
        yield model
    for field in model.model_fields.values():
        annotation = _plain_annotation(field.annotation)
        if typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _group_models(annotation)


def _declared_keys(parent: list[str]) -> Iterable[str]:
    """The keys declared at a config path, for "did you mean" suggestions."""
    model = _model_at(parent)
    return model.model_fields if model else ()


# --- messages ----------------------------------------------------------------------------------------


def _decode(key: str, value: Any) -> Any:
    """Config values arrive as strings; objects and lists are JSON text."""
    annotation = StackConfig.model_fields[key].annotation
    wants_text = annotation in (str, str | None) or key == "topology"
    if not isinstance(value, str) or wants_text:
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise ValueError(f"{key} holds {_shape_of(key)}, not a single value. Fix: {_example_set(key, value)}") from None


def _shape_of(key: str) -> str:
    annotation = _plain_annotation(StackConfig.model_fields[key].annotation)
    if typing.get_origin(annotation) is dict:
        return "an object keyed by service name"
    if typing.get_origin(annotation) is list:
        return "a list"
    return "an object"


def _example_set(key: str, given: str) -> str:
    """A `pulumi config set --path` command that sets one real leaf under `key` (near what was given)."""
    annotation = _plain_annotation(StackConfig.model_fields[key].annotation)
    if typing.get_origin(annotation) is dict:
        leaf = next(iter(typing.get_args(annotation)[1].model_fields))
        names = sorted(SERVICES_BY_NAME)
        near = [name for name in names if given.strip().lower() in name] or difflib.get_close_matches(given, names, 1, 0.3)
        return f"set one value at a time, e.g. `pulumi config set --path '{key}.{(near or names)[0]}.{leaf}' <value>`"
    if typing.get_origin(annotation) is list:
        return f"`pulumi config set --path '{key}[0]' <value>`"
    leaf = next(iter(annotation.model_fields))
    return f"set one value at a time, e.g. `pulumi config set --path '{key}.{leaf}' <value>`"


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
    # A value out of bounds: the nearest allowed value is the fix.
    bound = (item.get("ctx") or {}).get("ge" if kind == "greater_than_equal" else "le" if kind == "less_than_equal" else "")
    fix = "" if "Fix:" in message else f". Fix: {_set_command(path, str(bound) if bound is not None else '<value>')}"
    return f"{project}:{path} = {_show(item['input'])}: {message}{fix}"


def _set_command(path: str, value: str) -> str:
    if "." in path or "[" in path:
        return f"`pulumi config set --path '{path}' {value}`"
    return f"`pulumi config set {path} {value}`"


def _example_value(path: str) -> str:
    return "<" + "|".join(Topology) + ">" if path == "topology" else "<value>"


def _unknown_top_level_key(project: str, key: str) -> str:
    return (
        f"{project}:{key}: {_unknown_key_message(key, [*StackConfig.model_fields, *declared_secret_keys()])} "
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
