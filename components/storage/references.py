"""What the storage layer hands to other layers: references to Kubernetes Secrets, never the secrets.

A pod can only read a Secret of its own namespace, so every consumer's credential is written into the
consumer's namespace; the reference says where and under which keys. The values themselves also exist
as secret Outputs (`S3Credentials`) for the program's own use (the dynamic providers), and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.kube import MANAGED_BY, PART_OF

ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"


@dataclass(frozen=True)
class SecretRef:
    namespace: pulumi.Input[str]
    name: pulumi.Output[str]
    keys: tuple[str, ...]
    """The keys of the Secret's data; never their values."""


@dataclass(frozen=True)
class S3Credentials:
    access_key: pulumi.Output[str]
    secret_key: pulumi.Output[str]
    """Both are secret Outputs."""


@dataclass(frozen=True)
class BackupTarget:
    """Where a store writes its backups: an S3 endpoint, a bucket, and a credential next to the store."""

    s3_endpoint: pulumi.Input[str]
    bucket: str
    credentials: SecretRef
    """Keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, in the storage namespace."""


def generated_s3_credentials(name: str, parent: pulumi.Resource) -> S3Credentials:
    """An access key and secret key from pulumi-random: alphanumeric, so they are safe inside URLs and shells."""
    access_key = random.RandomPassword(
        f"{name}-access-key", length=20, special=False, lower=False, opts=pulumi.ResourceOptions(parent=parent)
    )
    secret_key = random.RandomPassword(
        f"{name}-secret-key", length=40, special=False, opts=pulumi.ResourceOptions(parent=parent)
    )
    return S3Credentials(access_key=access_key.result, secret_key=secret_key.result)


def generated_password(name: str, parent: pulumi.Resource, length: int = 32) -> pulumi.Output[str]:
    return random.RandomPassword(name, length=length, special=False, opts=pulumi.ResourceOptions(parent=parent)).result


def secret(
    name: str,
    *,
    namespace: pulumi.Input[str],
    data: Mapping[str, pulumi.Input[str]],
    parent: pulumi.Resource,
    secret_type: str = "Opaque",
) -> SecretRef:
    """A Secret built from Outputs (Pulumi stores its data encrypted and never prints it)."""
    created = k8s.core.v1.Secret(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            namespace=namespace,
            labels={"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": MANAGED_BY},
        ),
        type=secret_type,
        string_data=pulumi.Output.secret(dict(data)),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return SecretRef(namespace=namespace, name=created.metadata.name, keys=tuple(data))
