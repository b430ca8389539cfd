"""The monitoring stack under mocks, per topology: kube-prometheus-stack's values, a PodMonitor for every metrics
endpoint of the catalog and the flows that admit Prometheus to exactly those ports, Alertmanager's configuration
through amtool, the dashboards' PromQL through promtool, and the switches (Kibana, tracing, the cluster's own
operators). The values were also rendered with `helm template` and the pinned chart while they were written."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import yaml

from components.layers.observability.alerting import alertmanager_config
from components.layers.observability.dashboards import dashboards
from components.layers.observability.targets import declared_scrapes
from components.layers.operators import REQUIRED_CRDS
from components.platform.catalog import FLOWS, SCRAPES, SERVICES, Zone, service
from components.platform.settings.observability import AlertingSettings
from offline.graph import CLUSTER_OBJECTS, StackGraph, evaluate_stack, unwrap_secrets

CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
from tests.support import prometheus_tools
from tests.support.lookup import find
from tests.support.stacks import STACKS, shipped_settings, stack_config, stack_graph, stack_manifests

SPREAD = {"dev": None, "staging": "kubernetes.io/hostname", "prod": "topology.kubernetes.io/zone"}


def release(graph: StackGraph, name: str) -> dict:
    (resource,) = [r for r in graph.resources if r.type == "kubernetes:helm.sh/v3:Release" and r.name == name]
    return unwrap_secrets(resource.inputs)


def kps(stack: str) -> dict:
    return release(stack_graph(stack), "observability-kube-prometheus-stack")


def graph_with(stack: str, *, crds: tuple[str, ...] = (), secrets: tuple[str, ...] = (), **overrides: object) -> StackGraph:
    return _graph_with(stack, json.dumps(overrides, sort_keys=True), crds, secrets)


@functools.cache
def _graph_with(stack: str, overrides: str, crds: tuple[str, ...], secrets: tuple[str, ...]) -> StackGraph:
    config, secret_keys = stack_config(stack, **json.loads(overrides))
    for key in secrets:
        config[f"data-platform:{key}"] = f"mock-config-secret-{key}"
        secret_keys.append(f"data-platform:{key}")
    # The cluster's own operators: their CRDs are served (what the program reads instead of installing them).
    cluster = {**CLUSTER_OBJECTS, **{(CRD_TYPE, crd): {"metadata": {"name": crd}} for crd in crds}}
    return evaluate_stack(stack, config=config, secret_keys=secret_keys, cluster=cluster)


@pytest.mark.parametrize("stack", STACKS)
def test_prometheus_selects_everything_keeps_the_topologys_retention_and_spreads(stack: str) -> None:
    inputs = kps(stack)
    assert (inputs["name"], inputs["chart"], inputs["version"]) == ("kube-prometheus-stack", "kube-prometheus-stack", "88.5.3")
    settings = shipped_settings(stack)
    spec = inputs["values"]["prometheus"]["prometheusSpec"]
    for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"):
        assert spec[f"{kind}SelectorNilUsesHelmValues"] is False, kind
    assert spec["retention"] == {"dev": "3d", "staging": "7d", "prod": "15d"}[stack]
    size = settings.services["prometheus"]
    assert spec["replicas"] == size.replicas == (2 if stack == "prod" else 1)
    requested = int(spec["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"].removesuffix("Gi"))
    assert requested == size.storage_gib and int(spec["retentionSize"].removesuffix("GB")) < requested
    keys = {c["topologyKey"] for c in spec.get("topologySpreadConstraints", []) if c["whenUnsatisfiable"] == "DoNotSchedule"}
    assert keys == ({SPREAD[stack]} if SPREAD[stack] else set())
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["enableAdminAPI"] is False
    alertmanager = inputs["values"]["alertmanager"]["alertmanagerSpec"]
    assert alertmanager["replicas"] == (2 if stack == "prod" else 1) and alertmanager["useExistingSecret"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_node_exporter_runs_in_node_agents_without_the_hosts_namespaces(stack: str) -> None:
    values = kps(stack)["values"]
    exporter = values["prometheus-node-exporter"]
    assert exporter["namespaceOverride"] == shipped_settings(stack).namespace(Zone.NODE_AGENTS)
    assert exporter["hostNetwork"] is False and exporter["hostPID"] is False
    assert exporter["containerSecurityContext"]["readOnlyRootFilesystem"] is True
    for component in ("kubeEtcd", "kubeScheduler", "kubeControllerManager", "kubeProxy"):
        assert values[component]["enabled"] is False, f"{component}: a managed cluster does not expose it"
    grafana = values["grafana"]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    assert grafana["containerSecurityContext"]["readOnlyRootFilesystem"] is True
    assert grafana["replicas"] == shipped_settings(stack).services["grafana"].replicas


def _resource_blocks(value: object, path: str = "") -> list[tuple[str, dict]]:
    if isinstance(value, dict):
        found = [(path, value)] if {"requests", "limits"} <= set(value) else []
        return found + [block for key, item in value.items() for block in _resource_blocks(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [block for index, item in enumerate(value) for block in _resource_blocks(item, f"{path}[{index}]")]
    return []


def _quantity(text: str) -> float:
    return float(text[:-2]) if text.endswith("Mi") else float(text[:-1]) / 1000 if text.endswith("m") else float(text)


@pytest.mark.parametrize("stack", STACKS)
def test_no_chart_container_requests_more_than_its_limit(stack: str) -> None:
    releases = [r for r in stack_graph(stack).resources if r.type == "kubernetes:helm.sh/v3:Release"]
    assert len(releases) >= 5
    for resource in releases:
        for path, block in _resource_blocks(unwrap_secrets(resource.inputs).get("values", {})):
            for kind in ("cpu", "memory"):
                if kind in block["requests"] and kind in block["limits"]:
                    assert _quantity(block["requests"][kind]) <= _quantity(block["limits"][kind]), f"{resource.name}{path}: {block}"


def test_every_catalog_service_with_a_metrics_port_has_a_scrape_target() -> None:
    scraped = {scrape.service for scrape in SCRAPES}
    with_metrics = {spec.name for spec in SERVICES if "metrics" in spec.ports}
    assert with_metrics - scraped == set()
    for scrape in SCRAPES:
        assert scrape.port_name in service(scrape.service).ports, scrape


@pytest.mark.parametrize("stack", STACKS)
def test_one_pod_monitor_per_declared_target_in_the_services_own_namespace(stack: str) -> None:
    settings = shipped_settings(stack)
    monitors = find(stack_manifests(stack), "PodMonitor")
    expected = declared_scrapes(settings)
    assert len(monitors) == len(expected) >= 10
    by_name = {m["metadata"]["name"]: m for m in monitors}
    for scrape in expected:
        spec = service(scrape.service)
        monitor = by_name[f"{spec.kubernetes_name}-{scrape.port_name}"]
        assert monitor["metadata"]["namespace"] == settings.namespace(spec.zone)
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        assert endpoint["portNumber"] == spec.ports[scrape.port_name] and endpoint["path"] == scrape.path
        assert {"targetLabel": "platform_service", "replacement": spec.name, "action": "replace"} in endpoint["relabelings"]
    active = {spec.name for spec in settings.active_services}
    assert {s.service for s in expected} == {s.service for s in SCRAPES if not s.by_chart} & active


def test_prometheus_may_reach_exactly_the_metrics_ports() -> None:
    # Besides scraping, Prometheus sends its own traces to the collector (OTLP), in stacks with tracing.
    from_prometheus = {
        (f.target, service(f.target).ports[f.port_name]) for f in FLOWS if f.source == "prometheus" and not f.port_name.startswith("otlp")
    }
    scraped = {(s.service, service(s.service).ports[s.port_name]) for s in SCRAPES}
    assert from_prometheus == scraped


@pytest.mark.parametrize(
    "alerting",
    [
        {},
        {"slack_channel": "#alerts", "egress_cidrs": ["203.0.113.0/24"]},
        {"email_to": ["a@example.com"], "email_from": "dp@example.com", "smtp_smarthost": "smtp.example.com:587",
         "smtp_username": "dp", "egress_cidrs": ["203.0.113.10/32"]},
        {"email_to": ["a@example.com", "b@example.com"], "email_from": "dp@example.com", "smtp_smarthost": "smtp.example.com:587",
         "slack_channel": "#alerts", "critical_only_to_email": True, "egress_cidrs": ["203.0.113.0/24"]},
    ],
)
def test_alertmanagers_configuration_passes_amtool(alerting: dict, tmp_path: Path) -> None:
    settings = AlertingSettings.model_validate(alerting)
    text = alertmanager_config(settings, secrets_dir="/etc/alertmanager/secrets/alertmanager-receivers")
    (tmp_path / "alertmanager.yaml").write_text(text)
    result = prometheus_tools.run("amtool", "check-config", "alertmanager.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(text)
    receivers = {receiver["name"] for receiver in config["receivers"]}
    if not alerting:
        assert receivers == {"null"} and config["route"]["receiver"] == "null"
    if alerting.get("slack_channel"):
        assert all("api_url_file" in r["slack_configs"][0] for r in config["receivers"] if r["name"] != "null")
    if alerting.get("critical_only_to_email"):
        warning = next(r for r in config["receivers"] if r["name"] == "warning")
        assert "email_configs" not in warning and "slack_configs" in warning
    assert "hooks.slack.com" not in text and "password:" not in text


def test_every_dashboard_expression_is_valid_promql(tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:{board.uid.replace('-', '_')}:{number}", "expr": expr}
        for board in dashboards(namespace_prefix="dp")
        for number, expr in enumerate(expr for panel in board.panels for expr in panel.exprs.values())
    ]
    assert len(rules) >= 20
    (tmp_path / "dashboards.yaml").write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = prometheus_tools.run("promtool", "check", "rules", "dashboards.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_overview_has_the_architectures_four_panels() -> None:
    overview = next(board for board in dashboards(namespace_prefix="dp") if board.uid == "data-pipeline-health")
    titles = [panel.title for panel in overview.panels]
    for expected in ("Airbyte sync status", "Storage capacity", "Query performance", "Dashboard load times"):
        assert any(title.startswith(expected) for title in titles), expected


@pytest.mark.parametrize("stack", STACKS)
def test_kibana_and_tracing_follow_the_topology(stack: str) -> None:
    manifests = stack_manifests(stack)
    on = stack != "dev"
    assert bool(find(manifests, "Kibana")) is on
    deployments = [d["metadata"]["name"] for d in find(manifests, "Deployment")]
    assert any(name.startswith("observability-tracing-jaeger") for name in deployments) is on
    assert any(name.startswith("observability-tracing-otel-collector") for name in deployments) is on
    assert any(c["metadata"]["name"].startswith("observability-tracing-cleaner") for c in find(manifests, "CronJob")) is on


def test_kibana_can_be_turned_on_in_dev() -> None:
    graph = graph_with("dev", observability={"kibana": True})
    assert [r for r in graph.resources if r.type == "kubernetes:kibana.k8s.elastic.co/v1:Kibana"]


@pytest.mark.parametrize("key", sorted(REQUIRED_CRDS))
def test_an_existing_operator_is_read_not_installed(key: str) -> None:
    graph = graph_with("staging", crds=REQUIRED_CRDS[key], operators={"existing": {key: True}})
    assert sorted(crd for typ, crd in graph.reads if typ == CRD_TYPE) == sorted(REQUIRED_CRDS[key])
    releases = {r.name for r in graph.resources if r.type == "kubernetes:helm.sh/v3:Release"}
    installed = {
        "cert_manager": "operators-cert-manager",
        "cloudnative_pg": "operators-cloudnative-pg",
        "eck": "operators-eck-operator",
    }
    if key in installed:
        assert installed[key] not in releases
    else:
        values = release(graph, "observability-kube-prometheus-stack")["values"]
        assert values["prometheusOperator"]["enabled"] is False and values["crds"]["enabled"] is False


def test_an_existing_operator_without_its_crds_stops_the_deployment() -> None:
    with pytest.raises(Exception, match="monitoring.coreos.com"):
        graph_with("staging", crds=REQUIRED_CRDS["prometheus_operator"][:-1], operators={"existing": {"prometheus_operator": True}})


def test_alertmanager_may_reach_its_receivers_and_nothing_else_outside() -> None:
    graph = graph_with(
        "staging",
        secrets=("alerting_slack_webhook",),
        alerting={"slack_channel": "#alerts", "email_to": ["a@example.com"], "email_from": "dp@example.com",
                  "smtp_smarthost": "smtp.example.com:587", "egress_cidrs": ["203.0.113.0/24"]},
    )
    (receivers,) = [unwrap_secrets(r.inputs) for r in graph.resources if r.name == "network-alertmanager-receivers-egress"]
    (rule,) = receivers["spec"]["egress"]
    assert [peer["ipBlock"]["cidr"] for peer in rule["to"]] == ["203.0.113.0/24"]
    assert sorted(port["port"] for port in rule["ports"]) == [443, 587]
    assert not [p for p in find(stack_manifests("staging"), "NetworkPolicy") if "alertmanager-receivers" in p["metadata"]["name"]]
    secrets = [unwrap_secrets(r.inputs) for r in graph.resources if r.type == "kubernetes:core/v1:Secret"]
    (receiver_secret,) = [s for s in secrets if s["metadata"].get("name") == "alertmanager-receivers"]
    (config_secret,) = [s for s in secrets if s["metadata"].get("name") == "alertmanager-platform"]
    webhook = "mock-config-secret-alerting_slack_webhook"
    assert webhook in json.dumps(receiver_secret) and webhook not in json.dumps(config_secret)
