"""The edge under mocks: off without `edge.domain`; in gateway mode a Gateway, one HTTPRoute per UI in the UI's own
namespace, TLS from the platform CA (or ACME), Dremio verified behind the proxy, Flight only on request; in ingress
mode one Ingress per UI; and the NetworkPolicies admit the edge's proxies to exactly the four UI ports."""

from __future__ import annotations

import functools
import json

import pytest

from components.platform.catalog import EDGE_ROUTES, SERVICES_BY_NAME
from components.platform.settings.loading import SettingsError
from offline.graph import StackGraph, evaluate_stack
from offline.manifests import Manifest, kubernetes_manifests
from tests.support.stacks import STACKS, shipped_settings, stack_config, stack_manifests

GATEWAY = {"domain": "data.example.com", "gateway_class_name": "eg"}


@functools.cache
def _manifests(stack: str, edge: str) -> tuple[Manifest, ...]:
    config, secret_keys = stack_config(stack, edge=json.loads(edge))
    graph: StackGraph = evaluate_stack(stack, config=config, secret_keys=secret_keys)
    return tuple(kubernetes_manifests(graph))


def manifests(stack: str, **edge: object) -> tuple[Manifest, ...]:
    return _manifests(stack, json.dumps(edge, sort_keys=True))


def of_kind(found: tuple[Manifest, ...], kind: str) -> list[dict]:
    return [m.document for m in found if m.kind == kind]


@pytest.mark.parametrize("stack", STACKS)
def test_without_a_domain_nothing_is_published(stack: str) -> None:
    found = stack_manifests(stack)
    for kind in ("Gateway", "HTTPRoute", "Ingress", "TLSRoute"):
        assert of_kind(found, kind) == []
    assert not [p for p in of_kind(found, "NetworkPolicy") if p["metadata"]["name"].startswith("network-edge-listeners") or "from-edge" in p["metadata"]["name"]]


@pytest.mark.parametrize("stack", STACKS)
def test_gateway_mode_routes_the_four_uis_over_https(stack: str) -> None:
    found = manifests(stack, **GATEWAY)
    (gateway,) = of_kind(found, "Gateway")
    assert gateway["metadata"]["namespace"] == "dp-edge" and gateway["spec"]["gatewayClassName"] == "eg"
    listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
    assert set(listeners) == {"http", "https"}
    assert listeners["https"]["tls"]["certificateRefs"] == [{"kind": "Secret", "name": "edge-tls"}]
    routes = {r["metadata"]["name"]: r for r in of_kind(found, "HTTPRoute")}
    assert set(routes) == {"https-redirect", "edge-superset", "edge-dremio", "edge-airbyte", "edge-grafana"}
    assert routes["edge-superset"]["metadata"]["namespace"] == "dp-presentation"
    assert routes["edge-superset"]["spec"]["hostnames"] == ["superset.data.example.com"]
    assert routes["edge-superset"]["spec"]["rules"] == [{"backendRefs": [{"name": "superset", "port": 8088}]}]
    assert routes["edge-grafana"]["spec"]["rules"][0]["backendRefs"] == [{"name": "kube-prometheus-stack-grafana", "port": 80}]
    (policy,) = of_kind(found, "BackendTLSPolicy")
    assert policy["metadata"]["namespace"] == "dp-processing"
    assert policy["spec"]["validation"] == {"caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": "platform-ca"}],
                                            "hostname": "dremio.dp-processing.svc"}
    certificate = next(c for c in of_kind(found, "Certificate") if c["spec"]["secretName"] == "edge-tls")
    assert sorted(certificate["spec"]["dnsNames"]) == sorted(f"{r.ui}.data.example.com" for r in EDGE_ROUTES)
    assert certificate["spec"]["issuerRef"]["name"] == f"{shipped_settings(stack).config.namespace_prefix}-platform-ca"
    assert of_kind(found, "TLSRoute") == []


def test_acme_issues_through_the_gateway_and_flight_is_published_on_request() -> None:
    found = manifests("prod", **GATEWAY, acme_email="platform@example.com", publish_flight=True)
    acme = next(i for i in of_kind(found, "ClusterIssuer") if i["metadata"]["name"] == "data-platform-acme")
    (solver,) = acme["spec"]["acme"]["solvers"]
    assert solver["http01"]["gatewayHTTPRoute"]["parentRefs"][0]["name"] == "data-platform"
    certificate = next(c for c in of_kind(found, "Certificate") if c["spec"]["secretName"] == "edge-tls")
    assert certificate["spec"]["issuerRef"]["name"] == "data-platform-acme"
    (gateway,) = of_kind(found, "Gateway")
    flight = next(listener for listener in gateway["spec"]["listeners"] if listener["name"] == "flight")
    assert flight["port"] == 32010 and flight["tls"] == {"mode": "Passthrough"}
    (route,) = of_kind(found, "TLSRoute")
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "dremio", "port": 32010}]


def test_ingress_mode_declares_one_ingress_per_ui_with_its_certificate() -> None:
    found = manifests("staging", domain="data.example.com", mode="ingress", ingress_class_name="traefik", proxy_namespace="traefik",
                      dremio_ingress_annotations={"nginx.org/ssl-services": "dremio"})
    ingresses = {i["metadata"]["name"]: i for i in of_kind(found, "Ingress")}
    assert set(ingresses) == {"edge-superset", "edge-dremio", "edge-airbyte", "edge-grafana"}
    for name, ingress in ingresses.items():
        assert ingress["spec"]["ingressClassName"] == "traefik"
        (tls,) = ingress["spec"]["tls"]
        assert tls["secretName"] == f"{name}-tls"
        assert any(c["spec"]["secretName"] == tls["secretName"] and c["metadata"]["namespace"] == ingress["metadata"]["namespace"]
                   for c in of_kind(found, "Certificate"))
    assert ingresses["edge-dremio"]["metadata"]["annotations"] == {"nginx.org/ssl-services": "dremio"}
    assert "annotations" not in ingresses["edge-superset"]["metadata"]
    assert of_kind(found, "Gateway") == []


def test_the_edges_proxies_may_reach_exactly_the_four_ui_ports() -> None:
    found = manifests("prod", **GATEWAY)
    from_edge = [p for p in of_kind(found, "NetworkPolicy") if "from-edge" in p["metadata"]["name"]]
    ports = set()
    for policy in from_edge:
        (rule,) = policy["spec"]["ingress"]
        (peer,) = rule["from"]
        assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "dp-edge"}}
        ports |= {(policy["metadata"]["namespace"], port["port"]) for port in rule["ports"]}
    expected = {(f"dp-{SERVICES_BY_NAME[r.service].zone}", SERVICES_BY_NAME[r.service].ports[r.port_name]) for r in EDGE_ROUTES}
    assert ports == expected == {("dp-presentation", 8088), ("dp-processing", 9047), ("dp-ingestion", 8001), ("dp-observability", 3000)}
    (listeners,) = [p for p in of_kind(found, "NetworkPolicy") if p["metadata"]["name"].startswith("network-edge-listeners")]
    assert sorted(port["port"] for port in listeners["spec"]["ingress"][0]["ports"]) == [80, 443]


@pytest.mark.parametrize(
    ("edge", "named"),
    [
        ({"domain": "Not A Domain"}, "edge.domain"),
        ({"domain": "data.example.com"}, "gateway mode needs a GatewayClass"),
        ({"domain": "data.example.com", "mode": "ingress", "ingress_class_name": "traefik"}, "edge.proxy_namespace"),
        ({"domain": "data.example.com", "gateway_class_name": "eg", "hostnames": {"superset": "Bad_Label"}}, "is not a DNS label"),
        ({"domain": "data.example.com", "mode": "ingress", "ingress_class_name": "t", "proxy_namespace": "t", "publish_flight": True},
         "Arrow Flight is gRPC over TLS"),
        ({"domain": "data.example.com", "gateway_class_name": "eg", "acme_server": "http://acme.example.com"}, "edge.acme_server"),
        ({"domain": "data.example.com", "gateway_class_name": "eg", "proxy_pod_labels": {"app": "not a value"}}, "edge.proxy_pod_labels"),
        ({"domain": "data.example.com", "gateway_class_name": "eg", "dremio_ingress_annotations": {"bad key!": "x"}},
         "edge.dremio_ingress_annotations"),
    ],
)
def test_bad_edge_settings_are_refused_naming_the_key(edge: dict, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        shipped_settings("dev", edge=edge)
