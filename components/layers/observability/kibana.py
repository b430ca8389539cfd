"""Kibana (`observability.kibana`, on in staging and prod), through ECK, to read the logs in Elasticsearch.

ECK connects it to the storage layer's Elasticsearch (`elasticsearchRef` across namespaces, with a user ECK
makes for it) and serves it over HTTPS with a certificate from the platform CA, so the edge's proxy can verify
it. The image's digest comes from `observability.kibana_image_digest` (no public pin was found); until it is
set, Kibana runs by tag and `pulumi up` warns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import CertificateAuthority
from components.platform.settings import PlatformSettings
from components.platform.versions import KIBANA

NAME = "kibana"
TLS_SECRET = "kibana-http-tls"
KIBANA_USER_ID = 1000
"""The official image's user; it owns the files the image ships."""


@dataclass(frozen=True, kw_only=True)
class KibanaArgs:
    settings: PlatformSettings
    namespace: pulumi.Input[str]
    """The observability namespace."""
    elasticsearch_name: str
    elasticsearch_namespace: pulumi.Input[str]
    ca: CertificateAuthority
    issuer_ready: pulumi.Resource
    operator_ready: pulumi.Resource


class Kibana(pulumi.ComponentResource):
    url: str

    def __init__(self, name: str, args: KibanaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:observability:Kibana", name, None, opts)
        settings = args.settings
        spec = service("kibana")
        size = settings.services[spec.name]
        namespace_name = settings.namespace(spec.zone)
        http_service = f"{NAME}-kb-http"
        self.url = f"https://{http_service}.{namespace_name}.svc.cluster.local:{spec.ports['http']}"
        labels = kube.standard_labels(spec, instance=settings.instance, version=KIBANA.tag)
        certificate = kube.server_certificate(
            f"{name}-certificate",
            namespace=args.namespace,
            secret_name=TLS_SECRET,
            dns_names=kube.service_dns_names(http_service, namespace_name),
            issuer=args.ca.issuer,
            labels=labels,
            issuer_ready=args.issuer_ready,
            parent=self,
        )
        match = {"kibana.k8s.elastic.co/name": NAME}
        k8s.apiextensions.CustomResource(
            f"{name}-kibana",
            api_version="kibana.k8s.elastic.co/v1",
            kind="Kibana",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=NAME, namespace=args.namespace, labels=labels),
            spec={
                "version": KIBANA.tag,
                "image": KIBANA.reference_with(settings.config.observability.kibana_image_digest),
                "count": size.replicas,
                "elasticsearchRef": {"name": args.elasticsearch_name, "namespace": args.elasticsearch_namespace},
                "http": {"tls": {"certificate": {"secretName": TLS_SECRET}}},
                "config": {"telemetry.optIn": False, "telemetry.allowChangingOptInStatus": False},
                "podTemplate": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "securityContext": kube.pod_security_values(user_id=KIBANA_USER_ID),
                        "containers": [
                            {
                                "name": "kibana",
                                "resources": kube.resource_values(size),
                                "securityContext": kube.container_security_values(),
                                "env": [{"name": "NODE_OPTIONS", "value": f"--max-old-space-size={size.memory_limit_mib * 3 // 4}"}],
                                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                            }
                        ],
                        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
                        "topologySpreadConstraints": kube.spread_constraint_values(settings.profile.spread_topology_keys, match),
                    },
                },
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.operator_ready, certificate]),
        )
        if size.replicas > 1:
            kube.disruption_budget(f"{name}-budget", namespace=args.namespace, labels=labels, match_labels=match, parent=self)
        self.register_outputs({"url": self.url})
