"""Edge: HTTPS entry for people to Superset, Dremio, Airbyte and Grafana; nothing else is published.

Declared only with `edge.domain`. Composed in `__main__.py` from the UIs' in-cluster URLs (each names its Service,
namespace and port), the edge zone's namespace and the platform CA. Two modes (`edge.mode`):

* `gateway` (default): a Gateway of class `edge.gateway_class_name` in the edge zone (or the cluster's
  `edge.existing_gateway`), with an HTTP listener that redirects to HTTPS (and serves ACME challenges) and an
  HTTPS listener for `*.<domain>`; one `HTTPRoute` per UI in the UI's own namespace, so no ReferenceGrant is
  needed; a `BackendTLSPolicy` makes the proxy verify Dremio's own certificate against the platform CA. With
  `edge.publish_flight`, a TLS-passthrough listener on 32010 and a `TLSRoute` publish Arrow Flight with Dremio's
  certificate end to end.
* `ingress`: one `Ingress` of class `edge.ingress_class_name` per UI, each with its certificate in its namespace.

Certificates come from cert-manager: the platform CA's issuer by default (clients trust `ca.crt`), or Let's
Encrypt (HTTP-01 through the edge itself) when `edge.acme_email` is set. The NetworkPolicies that admit the edge's
proxies to the UIs' ports are the network layer's (from the catalog's `EDGE_ROUTES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import EDGE_ROUTES, LISTENER_PORTS
from components.platform.contracts import CertificateAuthority
from components.platform.settings import PlatformSettings

GATEWAY_API = "gateway.networking.k8s.io"
GATEWAY_NAME = "data-platform"
TLS_SECRET = "edge-tls"
ACME_ISSUER = "data-platform-acme"
ZONE_LABEL = "dataplatform.io/zone"


@dataclass(frozen=True, kw_only=True)
class EdgeArgs:
    settings: PlatformSettings
    """Validated stack settings: `edge.*`."""
    namespace: pulumi.Input[str]
    """The edge zone's namespace (from the network layer): the program's Gateway and its certificate."""
    uis: Mapping[str, str]
    """UI (`superset`, `dremio`, `airbyte`, `grafana`) → its in-cluster URL, `http(s)://<service>.<namespace>.svc.cluster.local:<port>`."""
    flight_url: str
    """Dremio's Arrow Flight, `https://<service>.<namespace>.svc.cluster.local:<port>` (published with `edge.publish_flight`)."""
    ca: CertificateAuthority
    """The platform CA: its issuer signs the edge's certificate unless ACME is used, and the proxy verifies Dremio with it."""
    issuer_ready: pulumi.Resource
    cert_manager: pulumi.Resource
    """cert-manager (the ACME issuer is one of its resources)."""


class Edge(pulumi.ComponentResource):
    urls: dict[str, str]
    """UI → its public URL."""

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:edge:Edge", name, None, opts)
        self._name, self._args = name, args
        edge = args.settings.config.edge
        self.urls = {route.ui: f"https://{edge.hostname(route.ui)}" for route in EDGE_ROUTES}
        issuer = self._issuer()
        if edge.mode == "gateway":
            self._gateway(issuer)
        else:
            self._ingresses(issuer)
        self.register_outputs({"urls": self.urls})

    # -- certificates -----------------------------------------------------------------------------------------

    def _issuer(self) -> str:
        edge, args = self._args.settings.config.edge, self._args
        if edge.acme_email is None:
            return args.ca.issuer
        solver: dict[str, Any]
        if edge.mode == "gateway":
            namespace, gateway = self._gateway_ref()
            solver = {"gatewayHTTPRoute": {"parentRefs": [{"name": gateway, "namespace": namespace, "kind": "Gateway", "sectionName": "http"}]}}
        else:
            solver = {"ingress": {"ingressClassName": edge.ingress_class_name}}
        k8s.apiextensions.CustomResource(
            f"{self._name}-acme-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ACME_ISSUER, labels=kube.platform_labels()),
            spec={
                "acme": {
                    "server": edge.acme_server,
                    "email": edge.acme_email,
                    "privateKeySecretRef": {"name": f"{ACME_ISSUER}-account"},
                    "solvers": [{"http01": solver}],
                }
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.cert_manager]),
        )
        return ACME_ISSUER

    def _certificate(self, resource: str, namespace: pulumi.Input[str], secret: str, hosts: list[str], issuer: str) -> pulumi.Resource:
        return k8s.apiextensions.CustomResource(
            f"{self._name}-{resource}",
            api_version="cert-manager.io/v1",
            kind="Certificate",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=kube.platform_labels()),
            spec={
                "secretName": secret,
                "secretTemplate": {"labels": kube.platform_labels()},
                "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer},
                "commonName": hosts[0],
                "dnsNames": hosts,
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._args.issuer_ready]),
        )

    # -- Gateway API ------------------------------------------------------------------------------------------

    def _gateway_ref(self) -> tuple[pulumi.Input[str], str]:
        edge = self._args.settings.config.edge
        if edge.existing_gateway:
            namespace, name = edge.existing_gateway.split("/", 1)
            return namespace, name
        return self._args.namespace, GATEWAY_NAME

    def _gateway(self, issuer: str) -> None:
        edge, args = self._args.settings.config.edge, self._args
        namespace, gateway = self._gateway_ref()
        hosts = [edge.hostname(route.ui) for route in EDGE_ROUTES]
        depends: list[pulumi.Resource] = []
        if not edge.existing_gateway:
            depends.append(self._certificate("certificate", args.namespace, TLS_SECRET, hosts, issuer))
            platform_namespaces = {"from": "Selector", "selector": {"matchExpressions": [{"key": ZONE_LABEL, "operator": "Exists"}]}}
            listeners: list[dict[str, Any]] = [
                {"name": "http", "port": LISTENER_PORTS["http"], "protocol": "HTTP", "hostname": f"*.{edge.domain}",
                 "allowedRoutes": {"namespaces": platform_namespaces}},
                {"name": "https", "port": LISTENER_PORTS["https"], "protocol": "HTTPS", "hostname": f"*.{edge.domain}",
                 "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": TLS_SECRET}]},
                 "allowedRoutes": {"namespaces": platform_namespaces}},
            ]
            if edge.publish_flight:
                listeners.append(
                    {"name": "flight", "port": LISTENER_PORTS["flight"], "protocol": "TLS", "hostname": edge.hostname("dremio"),
                     "tls": {"mode": "Passthrough"},
                     "allowedRoutes": {"namespaces": platform_namespaces, "kinds": [{"group": GATEWAY_API, "kind": "TLSRoute"}]}}
                )
            depends.append(
                k8s.apiextensions.CustomResource(
                    f"{self._name}-gateway",
                    api_version=f"{GATEWAY_API}/v1",
                    kind="Gateway",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=GATEWAY_NAME, namespace=args.namespace, labels=kube.platform_labels()),
                    spec={"gatewayClassName": edge.gateway_class_name, "listeners": listeners},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends)),
                )
            )
        parent = {"group": GATEWAY_API, "kind": "Gateway", "name": gateway, "namespace": namespace}
        after = pulumi.ResourceOptions(parent=self, depends_on=depends)
        # Plain HTTP only redirects (cert-manager's HTTP-01 solver routes add an exact-path match, which wins).
        k8s.apiextensions.CustomResource(
            f"{self._name}-https-redirect",
            api_version=f"{GATEWAY_API}/v1",
            kind="HTTPRoute",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="https-redirect", namespace=args.namespace, labels=kube.platform_labels()),
            spec={
                "parentRefs": [{**parent, "sectionName": "http"}],
                "hostnames": hosts,
                "rules": [{"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}],
            },
            opts=after,
        )
        https = {**parent, "sectionName": "https"} if not edge.existing_gateway else parent
        for route in EDGE_ROUTES:
            backend = _backend(args.uis[route.ui])
            self._route(f"{route.ui}-route", "HTTPRoute", f"edge-{route.ui}", https, edge.hostname(route.ui), backend, after)
            if backend.tls:
                self._backend_tls(route.ui, backend)
        if edge.publish_flight:
            # An existing Gateway needs a TLS passthrough listener named "flight" for this route.
            flight = {**parent, "sectionName": "flight"}
            self._route("flight-route", "TLSRoute", "edge-dremio-flight", flight, edge.hostname("dremio"), _backend(args.flight_url), after)

    def _route(
        self, resource: str, kind: str, name: str, parent: dict[str, Any], host: str, backend: kube.ServiceAddress, opts: pulumi.ResourceOptions
    ) -> None:
        """A route in the backend's own namespace (no ReferenceGrant needed) from `host` to the backend's Service."""
        k8s.apiextensions.CustomResource(
            f"{self._name}-{resource}",
            api_version=f"{GATEWAY_API}/{'v1alpha2' if kind == 'TLSRoute' else 'v1'}",
            kind=kind,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=backend.namespace, labels=kube.platform_labels()),
            spec={
                "parentRefs": [parent],
                "hostnames": [host],
                "rules": [{"backendRefs": [{"name": backend.service, "port": backend.port}]}],
            },
            opts=opts,
        )

    def _backend_tls(self, ui: str, backend: kube.ServiceAddress) -> None:
        """The proxy speaks TLS to the UI and verifies its certificate against the platform CA."""
        ca = self._args.ca
        k8s.apiextensions.CustomResource(
            f"{self._name}-{ui}-backend-tls",
            api_version=f"{GATEWAY_API}/v1",
            kind="BackendTLSPolicy",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=f"edge-{ui}", namespace=backend.namespace, labels=kube.platform_labels()),
            spec={
                "targetRefs": [{"group": "", "kind": "Service", "name": backend.service}],
                "validation": {
                    "caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": ca.config_map}],
                    "hostname": f"{backend.service}.{backend.namespace}.svc",
                },
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    # -- Ingress ----------------------------------------------------------------------------------------------

    def _ingresses(self, issuer: str) -> None:
        edge = self._args.settings.config.edge
        for route in EDGE_ROUTES:
            backend = _backend(self._args.uis[route.ui])
            host = edge.hostname(route.ui)
            secret = f"edge-{route.ui}-tls"
            certificate = self._certificate(f"{route.ui}-certificate", backend.namespace, secret, [host], issuer)
            k8s.networking.v1.Ingress(
                f"{self._name}-{route.ui}-ingress",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"edge-{route.ui}",
                    namespace=backend.namespace,
                    labels=kube.platform_labels(),
                    annotations=dict(edge.dremio_ingress_annotations) if backend.tls and edge.dremio_ingress_annotations else None,
                ),
                spec=k8s.networking.v1.IngressSpecArgs(
                    ingress_class_name=edge.ingress_class_name,
                    tls=[k8s.networking.v1.IngressTLSArgs(hosts=[host], secret_name=secret)],
                    rules=[
                        k8s.networking.v1.IngressRuleArgs(
                            host=host,
                            http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                                paths=[
                                    k8s.networking.v1.HTTPIngressPathArgs(
                                        path="/",
                                        path_type="Prefix",
                                        backend=k8s.networking.v1.IngressBackendArgs(
                                            service=k8s.networking.v1.IngressServiceBackendArgs(
                                                name=backend.service,
                                                port=k8s.networking.v1.ServiceBackendPortArgs(number=backend.port),
                                            )
                                        ),
                                    )
                                ]
                            ),
                        )
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[certificate]),
            )


def _backend(url: str) -> kube.ServiceAddress:
    address = kube.service_address(url)
    assert address is not None, f"{url} is not an in-cluster Service URL"
    return address
