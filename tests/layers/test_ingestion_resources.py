"""The ingestion layer under mocks, per topology and backend: the Airbyte Release's values, the budgets the program
adds, the metrics exporter, the network. The values were also rendered with `helm template` and the pinned chart
2.2.0 while this was written (docs/layers/ingestion.md says what that showed)."""

from __future__ import annotations

import json

import pytest

from components.layers.ingestion.values import COMPONENTS, TEMPORAL_DATABASES
from components.platform.catalog import service
from components.platform.security_exceptions import CHART_RELEASES
from offline.graph import unwrap_secrets
from offline.manifests import patches
from tests.support.lookup import find
from tests.support.stacks import (
    BACKENDS,
    STACKS,
    backend_graph,
    shipped_settings,
    stack_config,
    stack_graph,
    stack_manifests,
)

WIDEST = {"dev": None, "staging": "kubernetes.io/hostname", "prod": "topology.kubernetes.io/zone"}


def release_values(graph) -> dict:
    (release,) = [r for r in graph.resources if r.type == "kubernetes:helm.sh/v3:Release" and r.name == "ingestion-airbyte"]
    return unwrap_secrets(release.inputs)


@pytest.mark.parametrize("stack", STACKS)
def test_the_release_uses_the_platforms_database_and_store_and_no_bundled_service(stack: str) -> None:
    inputs = release_values(stack_graph(stack))
    assert (inputs["name"], inputs["chart"], inputs["version"]) == ("airbyte", "airbyte", "2.2.0")
    values = inputs["values"]
    assert values["postgresql"] == {"enabled": False} and values["minio"] == {"enabled": False}
    assert values["temporalUi"] == {"enabled": False}, "the Temporal UI runs as root"
    database = values["global"]["database"]
    assert database["type"] == "external" and database["host"] == "postgresql-rw.dp-storage.svc.cluster.local"
    assert (database["name"], database["userSecretKey"], database["passwordSecretKey"]) == ("airbyte", "username", "password")
    storage = values["global"]["storage"]
    assert storage["type"] == "minio" and storage["minio"]["endpoint"] == "http://object-storage.dp-storage.svc.cluster.local:9000"
    assert set(storage["bucket"].values()) == {"logs"}
    assert values["global"]["auth"]["enabled"] is True
    for probe in ("readinessProbe", "livenessProbe"):
        assert values["temporal"][probe]["enabled"] is True, "the chart leaves Temporal unprobed by default"
    assert values["temporal"]["env_vars"] == {"SKIP_DB_CREATE": "true", "DBNAME": "temporal", "VISIBILITY_DBNAME": "temporal_visibility"}
    assert {"name": "ROOTLESS_WORKLOAD", "value": "true"} in values["workloadLauncher"]["extraEnv"]


def test_secrets_reach_the_chart_by_name_only() -> None:
    graph = stack_graph("prod")
    values = json.dumps(release_values(graph)["values"])
    assert not any(secret in values for secret in graph.secret_values)
    inputs = release_values(graph)["values"]["global"]
    secrets = {m.name: set(m.document["stringData"]) for m in stack_manifests("prod") if m.kind == "Secret" and m.namespace == "dp-ingestion"}
    assert {"username", "password"} <= secrets[inputs["database"]["secretName"]]
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= secrets[inputs["storage"]["secretName"]]
    assert secrets["airbyte-auth-secrets"] == {
        "instance-admin-password", "instance-admin-client-id", "instance-admin-client-secret", "jwt-signature-secret"
    }


@pytest.mark.parametrize("stack", STACKS)
def test_replicas_resources_spread_and_budgets_per_topology(stack: str) -> None:
    settings = shipped_settings(stack)
    values = release_values(stack_graph(stack))["values"]
    budgets = {json.dumps(b["spec"]["selector"]["matchLabels"], sort_keys=True) for b in find(stack_manifests(stack), "PodDisruptionBudget")
               if b["metadata"]["namespace"] == "dp-ingestion"}
    patched = {unwrap_secrets(p.inputs)["metadata"]["name"]: unwrap_secrets(p.inputs) for p in patches(stack_graph(stack))}
    for key, name in COMPONENTS.items():
        size = settings.services[name]
        component = values[key]
        assert component["replicaCount"] == size.replicas
        assert component["resources"]["requests"] == {"cpu": f"{size.cpu_request_millis}m", "memory": f"{size.memory_request_mib}Mi"}
        labels = service(name).pods.labels  # type: ignore[union-attr]
        replicated = size.replicas > 1
        assert (json.dumps(labels, sort_keys=True) in budgets) == replicated, name
        deployment = f"airbyte-{service(name).component}"
        if replicated and key == "server":
            constraints = component["topologySpreadConstraints"]
        elif replicated:
            # The chart renders no spread for the others: a server-side apply patch of the chart's Deployment adds it.
            patch = patched.pop(deployment)
            assert patch["kind"] == "Deployment" and patch["metadata"]["namespace"] == "dp-ingestion"
            constraints = patch["spec"]["template"]["spec"]["topologySpreadConstraints"]
        else:
            assert deployment not in patched and "topologySpreadConstraints" not in component
            continue
        assert "affinity" not in component
        hard = [c["topologyKey"] for c in constraints if c["whenUnsatisfiable"] == "DoNotSchedule"]
        assert hard == [WIDEST[stack]] and all(c["labelSelector"] == {"matchLabels": labels} and c["maxSkew"] == 1 for c in constraints)
    assert patched == {}, "a patch for a component that is not replicated"
    jobs = settings.services["airbyte_jobs"]
    resources = values["global"]["workloads"]["resources"]
    assert resources["useConnectorResourceDefaults"] is False
    assert resources["replication"]["memory"] == {"request": f"{jobs.memory_request_mib}Mi", "limit": f"{jobs.memory_limit_mib}Mi"}


def test_temporals_databases_are_created_by_the_storage_layer() -> None:
    manifests = stack_manifests("dev")
    databases = {d["spec"]["name"]: d["spec"]["owner"] for d in find(manifests, "Database")}
    assert {name: databases[name] for name in ("airbyte", *TEMPORAL_DATABASES)} == {n: "airbyte" for n in ("airbyte", *TEMPORAL_DATABASES)}


def test_metrics_reach_a_statsd_exporter_that_prometheus_can_scrape() -> None:
    values = release_values(stack_graph("staging"))["values"]["global"]["metrics"]
    assert values["statsd"] == {"enabled": True, "flavor": "datadog", "host": "airbyte-metrics.dp-ingestion.svc.cluster.local", "port": 9125}
    manifests = stack_manifests("staging")
    (svc,) = [s for s in find(manifests, "Service") if s["metadata"]["name"] == "airbyte-metrics"]
    assert {(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]} == {("statsd", 9125, "UDP"), ("metrics", 9102, "TCP")}
    (policy,) = [p for p in find(manifests, "NetworkPolicy") if p["metadata"]["name"].endswith("airbyte-metrics-ingress-mock")]
    protocols = {(port["port"], port["protocol"]) for rule in policy["spec"]["ingress"] for port in rule["ports"]}
    assert protocols == {(9125, "UDP"), (9102, "TCP")}


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_is_reached_by_its_own_endpoint(backend: str) -> None:
    storage = release_values(backend_graph("dev", backend))["values"]["global"]["storage"]
    if backend == "external":
        assert storage["type"] == "s3" and storage["s3"]["region"] == "us-east-1"
        assert set(storage["bucket"].values()) == {"acme-logs"}
    else:
        assert storage["type"] == "minio"


def test_connector_pods_reach_declared_sources_only() -> None:
    from offline.graph import evaluate_stack
    from offline.manifests import kubernetes_manifests

    default = [p for p in find(stack_manifests("dev"), "NetworkPolicy") if "sources-egress" in p["metadata"]["name"]]
    assert default == [], "no source addresses: connector pods reach only the platform's services"
    config, secret_keys = stack_config("dev", ingestion={"source_cidrs": ["10.20.0.0/16"]})
    manifests = kubernetes_manifests(evaluate_stack("dev", config=config, secret_keys=secret_keys))
    (policy,) = [m.document for m in manifests if m.kind == "NetworkPolicy" and "sources-egress" in m.name]
    assert policy["spec"]["podSelector"]["matchLabels"] == {"airbyte": "job-pod"}
    assert policy["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}]


def test_the_ingestion_output_names_urls_and_the_admin_secret() -> None:
    output = unwrap_secrets(stack_graph("prod").outputs["ingestion"])
    assert output["api_url"] == "http://airbyte-airbyte-server-svc.dp-ingestion.svc.cluster.local:8001/api/public/v1"
    assert output["admin_secret"] == "airbyte-auth-secrets"


@pytest.mark.parametrize("stack", STACKS)
def test_every_helm_release_that_departs_from_the_rules_says_why(stack: str) -> None:
    releases = {unwrap_secrets(r.inputs)["name"] for r in stack_graph(stack).of_type("kubernetes:helm.sh/v3:Release")}
    assert "airbyte" in releases and "airbyte" in CHART_RELEASES
    assert set(CHART_RELEASES) <= releases, "an exception for a release the program no longer declares"
