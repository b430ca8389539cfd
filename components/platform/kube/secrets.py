"""Secrets built from Outputs, and generated credentials (pulumi-random), for every layer.

A generated value is a secret Output from the start; it reaches pods only through a Kubernetes Secret.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.platform.contracts import S3Credentials, SecretRef
from components.platform.kube.labels import platform_labels


def generated_s3_credentials(name: str, parent: pulumi.Resource) -> S3Credentials:
    """An access key and secret key from pulumi-random: alphanumeric, so they are safe inside URLs and shells."""
    access_key = random.RandomPassword(
        f"{name}-access-key", length=20, special=False, lower=False, opts=pulumi.ResourceOptions(parent=parent)
    )
    secret_key = random.RandomPassword(
        f"{name}-secret-key", length=40, special=False, opts=pulumi.ResourceOptions(parent=parent)
    )
    return S3Credentials(access_key=access_key.result, secret_key=secret_key.result)


def generated_password(
    name: str, parent: pulumi.Resource, length: int = 32, *, every_class: bool = False
) -> pulumi.Output[str]:
    """An alphanumeric password. `every_class` guarantees a lower-case letter, an upper-case letter and a
    digit, for services whose password rules ask for them (Dremio)."""
    classes = {"min_lower": 1, "min_upper": 1, "min_numeric": 1} if every_class else {}
    return random.RandomPassword(
        name, length=length, special=False, **classes, opts=pulumi.ResourceOptions(parent=parent)
    ).result


def secret(
    name: str,
    *,
    namespace: pulumi.Input[str],
    data: Mapping[str, pulumi.Input[str]],
    parent: pulumi.Resource,
    secret_type: str = "Opaque",
    secret_name: str | None = None,
) -> SecretRef:
    """A Secret built from Outputs (Pulumi stores its data encrypted and never prints it). `secret_name` fixes
    its name, for Secrets a chart refers to by name; otherwise Pulumi names it."""
    created = k8s.core.v1.Secret(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=secret_name, namespace=namespace, labels=platform_labels()),
        type=secret_type,
        string_data=pulumi.Output.secret(dict(data)),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return SecretRef(namespace=namespace, name=created.metadata.name, keys=tuple(data))
