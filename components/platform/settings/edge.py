"""`edge` and `post_deploy`: how people reach the web UIs, and how `pulumi up` reaches the services it configures."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import StrictBool, ValidationInfo, field_validator, model_validator

from components.platform.settings.base import DNS_LABEL, DNS_SUBDOMAIN, SettingsGroup, whole

UI_NAMES = ("superset", "dremio", "airbyte", "grafana")
"""The web interfaces the edge publishes, each on `<hostnames.<name>>.<domain>`."""
_QUALIFIED_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


class EdgeSettings(SettingsGroup):
    """`edge`: the HTTPS entry for people (Superset, Dremio, Airbyte, Grafana); nothing else is published."""

    domain: str | None = None
    """DNS domain under which the UIs are published (`superset.<domain>`, ...). Unset: nothing is published; reach the UIs with `kubectl port-forward`. Point a wildcard DNS record (`*.<domain>`) at the Gateway's or ingress controller's address."""
    mode: Literal["gateway", "ingress"] = "gateway"
    """`gateway`: Gateway API `HTTPRoute`s on a Gateway (the program's own, of class `gateway_class_name`, or `existing_gateway`). `ingress`: classic `Ingress` objects of class `ingress_class_name`, for clusters without Gateway API."""
    gateway_class_name: str | None = None
    """GatewayClass of the Gateway the program declares (e.g. `eg` for Envoy Gateway, `istio`, `cilium`, `nginx` for NGINX Gateway Fabric). Required in `gateway` mode unless `existing_gateway` is set."""
    existing_gateway: str | None = None
    """A Gateway the cluster already runs, as `<namespace>/<name>`, to attach the routes to instead of declaring one. It must have an HTTPS listener for `*.<domain>` that admits routes from the platform's namespaces."""
    ingress_class_name: str | None = None
    """IngressClass of the Ingress objects in `ingress` mode (e.g. `traefik`, `haproxy`, `nginx` for F5 NGINX Ingress Controller). Required in `ingress` mode."""
    hostnames: dict[str, str] = {name: name for name in UI_NAMES}
    """First DNS label of each UI's hostname, by UI (`superset`, `dremio`, `airbyte`, `grafana`)."""
    acme_email: str | None = None
    """Contact address for Let's Encrypt: setting it makes the UIs' certificates come from ACME (HTTP-01 through the edge) instead of the platform CA."""
    acme_server: str = "https://acme-v02.api.letsencrypt.org/directory"
    """ACME directory URL (Let's Encrypt's staging directory while testing)."""
    proxy_namespace: str | None = None
    """Namespace where the edge's proxy pods run, which the NetworkPolicies admit to the UIs. Unset: the Gateway's namespace (the platform's `edge` zone for its own Gateway, right for Istio, NGINX Gateway Fabric and Envoy Gateway in namespaced mode); set it for Envoy Gateway's default mode (`envoy-gateway-system`), for an existing Gateway whose proxies run elsewhere, and, in `ingress` mode, to the ingress controller's namespace (required there)."""
    proxy_pod_labels: dict[str, str] = {}
    """Labels of the proxy pods in `proxy_namespace` (e.g. `{app.kubernetes.io/name: traefik}`). Empty: every pod of that namespace."""
    dremio_ingress_annotations: dict[str, str] = {}
    """`ingress` mode: annotations on Dremio's Ingress that make the controller speak HTTPS to Dremio (Dremio serves TLS only), e.g. `{nginx.org/ssl-services: dremio}` (F5 NGINX Ingress Controller) or `{haproxy.org/server-ssl: "true"}` (HAProxy)."""
    publish_flight: StrictBool = False
    """Publish Dremio's Arrow Flight port (TLS) through the edge, for BI tools outside the cluster. Gateway mode only (a TLS-passthrough listener on port 32010); JDBC/ODBC (31010) has no TLS in Dremio OSS and is never published."""

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 200 or "." not in value or not DNS_SUBDOMAIN.match(value)):
            raise ValueError("give a lower-case DNS domain with at least two labels, e.g. data.example.com")
        return value

    @field_validator("hostnames")
    @classmethod
    def _hostnames(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(UI_NAMES))
        if unknown:
            raise ValueError(f"unknown UI {unknown[0]!r}; the UIs are {', '.join(UI_NAMES)}")
        for name, label in value.items():
            if len(label) > 63 or not DNS_LABEL.match(label):
                raise ValueError(f"{name}: {label!r} is not a DNS label (lower-case letters, digits and '-', at most 63)")
        merged = {**{name: name for name in UI_NAMES}, **value}
        if len(set(merged.values())) < len(merged):
            raise ValueError("two UIs share a hostname; give each its own label")
        return merged

    @field_validator("existing_gateway")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        if value is not None:
            namespace, _, name = value.partition("/")
            if not (DNS_LABEL.match(namespace) and DNS_SUBDOMAIN.match(name)):
                raise ValueError("give the Gateway as <namespace>/<name>, e.g. gateways/shared")
        return value

    @field_validator("acme_server")
    @classmethod
    def _acme_server(cls, value: str) -> str:
        if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[\w./-]*)?", value):
            raise ValueError("give the ACME directory's https URL, e.g. https://acme-staging-v02.api.letsencrypt.org/directory")
        return value

    @field_validator("proxy_pod_labels", "dremio_ingress_annotations")
    @classmethod
    def _labels(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for key, item in value.items():
            prefix, _, name = key.rpartition("/")
            if (prefix and not DNS_SUBDOMAIN.match(prefix)) or not _QUALIFIED_NAME.match(name):
                raise ValueError(f"{key!r} is not a Kubernetes label or annotation key (optional DNS prefix/, then a name of at most 63 characters)")
            if info.field_name == "proxy_pod_labels" and not _LABEL_VALUE.match(item):
                raise ValueError(f"{key}: {item!r} is not a label value (at most 63 letters, digits, '-', '_', '.')")
        return value

    @field_validator("proxy_namespace")
    @classmethod
    def _namespace(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 63 or not DNS_LABEL.match(value)):
            raise ValueError("a namespace name is a DNS label, e.g. envoy-gateway-system")
        return value

    @field_validator("gateway_class_name", "ingress_class_name")
    @classmethod
    def _class(cls, value: str | None) -> str | None:
        if value is not None and not DNS_SUBDOMAIN.match(value):
            raise ValueError("a class name is a lower-case DNS subdomain, e.g. eg or traefik")
        return value

    @field_validator("acme_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("give an e-mail address, e.g. platform@example.com")
        return value

    @model_validator(mode="after")
    def _mode(self) -> EdgeSettings:
        if self.domain is None:
            return self
        if self.mode == "gateway" and not (self.gateway_class_name or self.existing_gateway):
            raise ValueError(
                "gateway mode needs a GatewayClass for the program's Gateway or an existing Gateway. Fix: "
                "`pulumi config set --path edge.gateway_class_name eg` (or edge.existing_gateway <namespace>/<name>, "
                "or edge.mode ingress)"
            )
        if self.mode == "ingress" and not self.ingress_class_name:
            raise ValueError("ingress mode needs an IngressClass. Fix: `pulumi config set --path edge.ingress_class_name traefik`")
        if self.mode == "ingress" and not self.proxy_namespace:
            raise ValueError(
                "ingress mode needs the ingress controller's namespace, so that the NetworkPolicies admit its pods to "
                "the UIs. Fix: `pulumi config set --path edge.proxy_namespace traefik`"
            )
        if self.mode == "ingress" and self.publish_flight:
            raise ValueError(
                "Arrow Flight is gRPC over TLS, which an Ingress cannot pass through. Fix: use edge.mode gateway, or "
                "`pulumi config rm --path edge.publish_flight`"
            )
        return self

    @property
    def enabled(self) -> bool:
        return self.domain is not None

    def proxies_namespace(self, edge_zone_namespace: str) -> str:
        """Where the proxies run: the setting, else the Gateway's namespace."""
        if self.proxy_namespace:
            return self.proxy_namespace
        if self.existing_gateway:
            return self.existing_gateway.split("/", 1)[0]
        return edge_zone_namespace

    def hostname(self, ui: str) -> str:
        assert self.domain is not None, "the edge is off"
        return f"{self.hostnames[ui]}.{self.domain}"


class PostDeploySettings(SettingsGroup):
    """`post_deploy`: how the dynamic providers, which run where `pulumi up` runs, reach the services they configure."""

    access: Literal["port-forward", "gateway", "in-cluster"] = "port-forward"
    """`port-forward`: each provider operation reaches its service through the Kubernetes API's port-forwarding, with the kubeconfig and context of the Kubernetes provider (nothing needs to be exposed). `gateway`: through the edge's HTTPS hostnames (needs `edge.domain`; the object store, which the edge does not publish, is still reached by port-forward). `in-cluster`: `pulumi up` runs in a pod of the cluster and uses Service DNS names."""
    ready_timeout_minutes: whole(1, 120) = 10  # type: ignore[valid-type]
    """How long a provider waits for its service to answer (connection refused, 502, 503, 504 are retried with back-off) before it fails: Dremio's first start takes minutes."""
    kube_context: str | None = None
    """kubeconfig context for port-forwarding. Unset: the `kubernetes:context` config of the stack, else the kubeconfig's current context (what the Kubernetes provider uses)."""
