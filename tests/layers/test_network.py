"""The network zones on every stack: namespaces with Pod Security labels, default-deny, exactly the catalog's flows."""

from __future__ import annotations

import pytest

from components.platform.catalog import SERVICES_BY_NAME, ZONES, PodSecurityLevel
from offline.graph import MOCK_API_SERVER_ADDRESSES, evaluate_stack
from offline.manifests import Manifest, kubernetes_manifests
from tests.support.stacks import shipped_settings, stack_config, stack_graph, stack_manifests


def test_namespaces_one_per_zone_with_pod_security_labels(manifests: tuple[Manifest, ...]) -> None:
    namespaces = {m.name: m.document["metadata"] for m in manifests if m.kind == "Namespace"}
    assert set(namespaces) == {f"dp-{zone.zone}" for zone in ZONES}
    for zone in ZONES:
        metadata = namespaces[f"dp-{zone.zone}"]
        labels = metadata["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == zone.pod_security
        assert labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"
        assert labels["pod-security.kubernetes.io/enforce-version"] == "v1.31"
        if zone.pod_security is not PodSecurityLevel.RESTRICTED:
            reason = metadata["annotations"]["dataplatform.io/pod-security-exception"]
            assert reason == zone.pod_security_reason and len(reason) > 40


def test_only_node_agents_and_the_edge_are_exempt_from_restricted() -> None:
    exempt = {str(zone.zone): zone.pod_security for zone in ZONES if zone.pod_security is not PodSecurityLevel.RESTRICTED}
    # The edge's proxies are the Gateway controller's pods; baseline still refuses host access and privilege.
    assert exempt == {"node-agents": PodSecurityLevel.PRIVILEGED, "edge": PodSecurityLevel.BASELINE}
    assert all(zone.pod_security_reason for zone in ZONES if str(zone.zone) in exempt)


def _policies(manifests: tuple[Manifest, ...], namespace: str) -> list[dict]:
    return [m.document for m in manifests if m.kind == "NetworkPolicy" and m.namespace == namespace]


def test_every_zone_denies_by_default_and_allows_dns(manifests: tuple[Manifest, ...]) -> None:
    for zone in ZONES:
        policies = _policies(manifests, f"dp-{zone.zone}")
        deny = [
            p for p in policies
            if p["spec"]["podSelector"] == {"matchLabels": {}}
            and sorted(p["spec"]["policyTypes"]) == ["Egress", "Ingress"]
            and not p["spec"].get("ingress") and not p["spec"].get("egress")
        ]
        assert len(deny) == 1, f"dp-{zone.zone} needs exactly one default-deny policy"
        dns = [
            rule for p in policies for rule in p["spec"].get("egress") or []
            if any(port.get("port") == 53 for port in rule.get("ports", []))
        ]
        assert dns and {port["protocol"] for rule in dns for port in rule["ports"]} == {"UDP", "TCP"}


def _allows(rules: list[dict], peer_namespace: str, peer_labels: dict, port: int, direction: str) -> bool:
    for rule in rules:
        peers = rule.get("from" if direction == "ingress" else "to") or []
        ports = {p.get("port") for p in rule.get("ports") or []}
        for peer in peers:
            namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
            pods = (peer.get("podSelector") or {}).get("matchLabels", {})
            if namespace == {"kubernetes.io/metadata.name": peer_namespace} and pods == peer_labels and port in ports:
                return True
    return False


def _rules(manifests: tuple[Manifest, ...], namespace: str, selector: dict, direction: str) -> list[dict]:
    return [
        rule
        for p in _policies(manifests, namespace)
        if p["spec"]["podSelector"]["matchLabels"] == selector
        for rule in p["spec"].get(direction) or []
    ]


def test_every_catalog_flow_is_open_on_both_sides(stack: str, manifests: tuple[Manifest, ...]) -> None:
    settings = shipped_settings(stack)
    flows = settings.active_flows
    assert flows
    for flow in flows:
        source, target = SERVICES_BY_NAME[flow.source], SERVICES_BY_NAME[flow.target]
        port = target.ports[flow.port_name]
        source_ns, target_ns = f"dp-{source.zone}", f"dp-{target.zone}"
        ingress = _rules(manifests, target_ns, target.policy_selector, "ingress")
        egress = _rules(manifests, source_ns, source.policy_selector, "egress")
        assert _allows(ingress, source_ns, source.policy_selector, port, "ingress"), f"no ingress for {flow}"
        assert _allows(egress, target_ns, target.policy_selector, port, "egress"), f"no egress for {flow}"


def test_no_flow_is_open_that_the_catalog_does_not_declare(stack: str, manifests: tuple[Manifest, ...]) -> None:
    def key(labels: dict[str, str]) -> tuple:
        return tuple(sorted(labels.items()))

    settings = shipped_settings(stack)
    declared = {
        (key(SERVICES_BY_NAME[f.source].policy_selector), key(SERVICES_BY_NAME[f.target].policy_selector),
         SERVICES_BY_NAME[f.target].ports[f.port_name])
        for f in settings.active_flows
    }
    for manifest in manifests:
        if manifest.kind != "NetworkPolicy":
            continue
        target = key(manifest.document["spec"]["podSelector"]["matchLabels"])
        for rule in manifest.document["spec"].get("ingress") or []:
            for peer in rule.get("from") or []:
                if "podSelector" not in peer:
                    continue  # the API server's address blocks, for webhooks
                source = key(peer["podSelector"]["matchLabels"])
                for port in rule["ports"]:
                    assert (source, target, port["port"]) in declared, f"{manifest.identity} opens an undeclared flow"


def test_api_server_egress_only_for_services_that_watch_it(stack: str, manifests: tuple[Manifest, ...]) -> None:
    settings = shipped_settings(stack)
    opened = {
        (m.namespace, tuple(sorted(m.document["spec"]["podSelector"]["matchLabels"].items())))
        for m in manifests
        if m.kind == "NetworkPolicy" and not m.name.startswith(OUTSIDE_THE_CLUSTER)
        for rule in m.document["spec"].get("egress") or []
        for peer in rule.get("to") or []
        if "ipBlock" in peer
    }
    expected = {
        (f"dp-{s.zone}", tuple(sorted(s.policy_selector.items())))
        for s in settings.active_services
        if s.needs_kubernetes_api
    }
    assert opened == expected


OUTSIDE_THE_CLUSTER = ("network-offsite-mirror-to-offsite", "network-alertmanager-receivers-egress")
"""Policies to addresses outside the cluster that are not the API server's (tested in their layers' tests)."""


def _api_policy_blocks(manifests: tuple[Manifest, ...]) -> set[str]:
    blocks = set()
    for m in manifests:
        if m.kind != "NetworkPolicy" or m.name.startswith(OUTSIDE_THE_CLUSTER):
            continue
        rules = (m.document["spec"].get("egress") or []) + (m.document["spec"].get("ingress") or [])
        for rule in rules:
            for peer in (rule.get("to") or []) + (rule.get("from") or []):
                if "ipBlock" in peer:
                    blocks.add(peer["ipBlock"]["cidr"])
    return blocks


def test_the_api_server_addresses_are_read_from_the_cluster_by_default() -> None:
    graph = stack_graph("staging")
    assert ("kubernetes:discovery.k8s.io/v1:EndpointSlice", "default/kubernetes") in graph.reads
    assert _api_policy_blocks(stack_manifests("staging")) == {f"{address}/32" for address in MOCK_API_SERVER_ADDRESSES}
    network = next(r for r in graph.resources if r.type == "data-platform:network:NetworkZones")
    assert graph.registered_outputs[network.urn]["api_server_cidrs"] == ["172.18.0.2/32", "172.18.0.3/32"]


def test_configured_api_server_addresses_replace_the_lookup() -> None:
    config, keys = stack_config("staging", kubernetes_api_cidrs=["10.0.0.10/32", "fd00::1/128"])
    graph = evaluate_stack("staging", config=config, secret_keys=keys)
    assert graph.reads == []
    assert _api_policy_blocks(tuple(kubernetes_manifests(graph))) == {"10.0.0.10/32", "fd00::1/128"}


def test_a_cluster_that_lists_no_api_server_address_asks_for_the_setting() -> None:
    empty = {("kubernetes:discovery.k8s.io/v1:EndpointSlice", "default/kubernetes"): {"endpoints": [], "ports": []}}
    config, keys = stack_config("dev")
    with pytest.raises(Exception, match=r"lists no API server address; set kubernetes_api_cidrs"):
        evaluate_stack("dev", config=config, secret_keys=keys, cluster=empty)


def test_egress_to_addresses_outside_the_cluster_is_drawn_in_the_diagram() -> None:
    """Connector sources (any port), alert receivers and the offsite bucket: each policy's flows can be read back."""
    from offline.diagram import flow_edges

    config, keys = stack_config(
        "staging",
        ingestion={"source_cidrs": ["10.20.0.0/16"]},
        alerting={"email_to": ["a@example.com"], "email_from": "dp@example.com", "smtp_smarthost": "smtp.example.com:587",
                  "egress_cidrs": ["203.0.113.0/24"]},
    )
    manifests = kubernetes_manifests(evaluate_stack("staging", config=config, secret_keys=keys))
    edges, _ = flow_edges(manifests)
    outside = {(e.source, e.target, e.port) for e in edges if e.target in ("connector-sources", "alert-receivers", "offsite-s3")}
    assert outside == {("airbyte_jobs", "connector-sources", 0), ("alertmanager", "alert-receivers", 587), ("offsite_mirror", "offsite-s3", 443)}
    (sources,) = [m.document for m in manifests if m.kind == "NetworkPolicy" and m.name.startswith("network-airbyte-jobs-sources-egress")]
    assert sources["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}], "any port: no ports list"
