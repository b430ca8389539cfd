"""The shipped stacks, evaluated once per test session under Pulumi's mocks, and helpers around them."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from components.platform.checks.capacity import CapacityReport, plan_capacity
from components.platform.settings import PlatformSettings, parse_settings
from components.platform.topology import Profile
from offline.graph import StackGraph, evaluate_stack, read_stack_config
from offline.manifests import Manifest, kubernetes_manifests

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
STACKS = ("dev", "staging", "prod")
@functools.cache
def stack_graph(stack: str) -> StackGraph:
    return evaluate_stack(stack)


@functools.cache
def stack_manifests(stack: str) -> tuple[Manifest, ...]:
    return tuple(kubernetes_manifests(stack_graph(stack)))


def shipped_settings(stack: str, **overrides: object) -> PlatformSettings:
    """The settings of a shipped stack file, with optional overrides of top-level keys."""
    config, secret_keys = read_stack_config(PROJECT_ROOT / f"Pulumi.{stack}.yaml")
    raw = {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("data-platform:")}
    raw.update({key: json.dumps(value) for key, value in overrides.items()})
    secrets = {key.split(":", 1)[1] for key in secret_keys}
    return parse_settings(raw, stack=stack, secret_keys=secrets)


def shipped_profile(stack: str) -> Profile:
    return shipped_settings(stack).profile


def report_of(settings: PlatformSettings) -> CapacityReport:
    return plan_capacity(settings.profile, settings.active_services)


EXTERNAL_ENDPOINT = "https://s3.eu-west-1.amazonaws.com"
BACKENDS = ("minio", "seaweedfs", "external")


def stack_config(stack: str, **overrides: object) -> tuple[dict[str, str], list[str]]:
    """A shipped stack's config as the CLI passes it, with top-level keys replaced."""
    config, secret_keys = read_stack_config(PROJECT_ROOT / f"Pulumi.{stack}.yaml")
    for key, value in overrides.items():
        config[f"data-platform:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return config, secret_keys


@functools.cache
def backend_graph(stack: str, backend: str) -> StackGraph:
    """A shipped stack evaluated with another object-storage backend (external: with secret credentials)."""
    if backend == "external":
        config, secret_keys = stack_config(
            stack, object_storage={"backend": "external", "external_endpoint": EXTERNAL_ENDPOINT, "bucket_prefix": "acme-"}
        )
        for key in ("object_storage_access_key", "object_storage_secret_key"):
            config[f"data-platform:{key}"] = f"mock-config-secret-{key}"
            secret_keys.append(f"data-platform:{key}")
    else:
        config, secret_keys = stack_config(stack, object_storage={"backend": backend})
    return evaluate_stack(stack, config=config, secret_keys=secret_keys)


@functools.cache
def backend_manifests(stack: str, backend: str) -> tuple[Manifest, ...]:
    return tuple(kubernetes_manifests(backend_graph(stack, backend)))


EDGE_VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "prod-gateway": (
        "prod",
        {"edge": {"domain": "data.example.com", "gateway_class_name": "eg", "acme_email": "platform@example.com", "publish_flight": True}},
    ),
    "staging-ingress": (
        "staging",
        {"edge": {"domain": "data.example.com", "mode": "ingress", "ingress_class_name": "traefik", "proxy_namespace": "traefik"}},
    ),
}
"""Shipped stacks with the edge on (it is off in the shipped files, which have no domain), so that its objects are
held to the same manifest checks as everything else."""


@functools.cache
def variant_manifests(name: str) -> tuple[Manifest, ...]:
    stack, overrides = EDGE_VARIANTS[name]
    config, secret_keys = stack_config(stack, **overrides)
    return tuple(kubernetes_manifests(evaluate_stack(stack, config=config, secret_keys=secret_keys)))
