"""The platform CA: one certificate authority that signs every in-cluster server certificate.

* The CA's key and self-signed certificate are made by the program (pulumi-tls), so the program knows
  the certificate and its own clients (the dynamic providers) can verify the servers. The key is a secret
  Output, kept encrypted in the stack's state, and reaches the cluster only as a Secret in the operators
  namespace, where cert-manager reads it.
* A cert-manager `ClusterIssuer` of kind CA signs what the layers request with `Certificate` resources.
* The CA certificate is published as the ConfigMap `platform-ca` (key `ca.crt`) in every zone's
  namespace, so a client anywhere mounts it and verifies against it.

The CA is valid for ten years and is re-issued by `pulumi up` in its last year (`early_renewal_hours`);
servers then get certificates from the new CA, and clients the new `ca.crt`, in the same update.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_tls as tls

from components.platform import kube
from components.platform.catalog import Zone
from components.platform.contracts import CertificateAuthority
from components.platform.settings import PlatformSettings

CA_CONFIG_MAP = "platform-ca"
CA_KEY = "ca.crt"
VALIDITY_HOURS = 10 * 365 * 24
EARLY_RENEWAL_HOURS = 365 * 24


@dataclass(frozen=True, kw_only=True)
class CertificatesArgs:
    settings: PlatformSettings
    """Validated stack settings: the stack's identity names the CA."""
    namespaces: dict[Zone, pulumi.Input[str]]
    """Namespaces by zone: the CA's key goes to `operators` (cert-manager's), its certificate to every one."""
    cert_manager: pulumi.Resource
    """cert-manager's release: its CRDs must exist before the issuer is declared."""


class Certificates(pulumi.ComponentResource):
    authority: CertificateAuthority
    issuer: pulumi.Resource
    """The ClusterIssuer: declare Certificates after it."""

    def __init__(self, name: str, args: CertificatesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:certificates:Certificates", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        key = tls.PrivateKey(f"{name}-ca-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child)
        certificate = tls.SelfSignedCert(
            f"{name}-ca-certificate",
            private_key_pem=key.private_key_pem,
            is_ca_certificate=True,
            validity_period_hours=VALIDITY_HOURS,
            early_renewal_hours=EARLY_RENEWAL_HOURS,
            allowed_uses=["cert_signing", "crl_signing", "digital_signature"],
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"{settings.instance} platform CA", organization=settings.project),
            opts=child,
        )
        ca_secret = kube.secret(
            f"{name}-ca",
            namespace=args.namespaces[Zone.OPERATORS],
            data={"tls.crt": certificate.cert_pem, "tls.key": key.private_key_pem},
            secret_type="kubernetes.io/tls",
            parent=self,
        )
        # Cluster-scoped: named after the namespace prefix, so two stacks can share a cluster.
        issuer_name = f"{settings.config.namespace_prefix}-platform-ca"
        self.issuer = k8s.apiextensions.CustomResource(
            f"{name}-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=issuer_name, labels=kube.platform_labels()),
            spec={"ca": {"secretName": ca_secret.name}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.cert_manager]),
        )
        for zone, namespace in args.namespaces.items():
            k8s.core.v1.ConfigMap(
                f"{name}-ca-{zone}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=CA_CONFIG_MAP, namespace=namespace, labels=kube.platform_labels()),
                data={CA_KEY: certificate.cert_pem},
                opts=child,
            )
        self.authority = CertificateAuthority(
            issuer=issuer_name, config_map=CA_CONFIG_MAP, key=CA_KEY, certificate_pem=certificate.cert_pem
        )
        self.register_outputs(
            {
                "authority": {
                    "issuer": issuer_name,
                    "config_map": CA_CONFIG_MAP,
                    "key": CA_KEY,
                    "certificate_pem": certificate.cert_pem,
                },
                "issuer": self.issuer.urn,
            }
        )
