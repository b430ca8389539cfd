"""Server certificates from the platform CA (cert-manager `Certificate` resources)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform.kube.labels import platform_labels

CERTIFICATE_DURATION = "8760h"
"""A year, renewed a month ahead (`RENEW_BEFORE`)."""
RENEW_BEFORE = "720h"


def service_dns_names(service_name: str, namespace: str) -> list[str]:
    """The names a client in any namespace may use for a Service: short, namespaced, and fully qualified."""
    return [service_name, f"{service_name}.{namespace}", f"{service_name}.{namespace}.svc", f"{service_name}.{namespace}.svc.cluster.local"]


def server_certificate(
    name: str,
    *,
    namespace: pulumi.Input[str],
    secret_name: str,
    dns_names: Sequence[str],
    issuer: pulumi.Input[str],
    labels: Mapping[str, str],
    issuer_ready: pulumi.Resource,
    parent: pulumi.Resource,
    extra_spec: Mapping[str, Any] | None = None,
) -> k8s.apiextensions.CustomResource:
    """A server certificate signed by the platform CA's ClusterIssuer, written by cert-manager into the Secret
    `secret_name` (`tls.crt`, `tls.key`, `ca.crt`); clients verify it against the `platform-ca` ConfigMap."""
    return k8s.apiextensions.CustomResource(
        name,
        api_version="cert-manager.io/v1",
        kind="Certificate",
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=dict(labels)),
        spec={
            "secretName": secret_name,
            "secretTemplate": {"labels": platform_labels()},
            "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer},
            "commonName": dns_names[0],
            "dnsNames": list(dns_names),
            "duration": CERTIFICATE_DURATION,
            "renewBefore": RENEW_BEFORE,
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            "usages": ["server auth", "digital signature", "key encipherment"],
            **(extra_spec or {}),
        },
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[issuer_ready]),
    )
