"""The wiring under mocks: every stack evaluates with each access mode, each service is reached as that mode says,
objects wait for what they need, the buckets carry the README's settings, and the semantic layer's mistakes stop
the program before anything is declared."""

from __future__ import annotations

import functools
import json

import pytest

from components.layers.wiring.access import reach, tunnel
from components.layers.wiring.plan import BUCKET_SETTINGS, Handover, plan
from components.platform.checks.semantic import check_semantic
from components.platform.errors import ConfigurationError
from components.platform.semantic import Dataset, Model, Reflection, SemanticLayer, View
from lakehouse.semantic import SEMANTIC
from offline.graph import StackGraph, evaluate_stack, unwrap_secrets
from tests.support.stacks import STACKS, shipped_settings, stack_config, stack_graph

EDGE = {"domain": "data.example.com", "gateway_class_name": "eg"}
DYNAMIC = "pulumi-python:dynamic/"


@functools.cache
def graph_with(stack: str, overrides: str) -> StackGraph:
    config, secret_keys = stack_config(stack, **json.loads(overrides))
    return evaluate_stack(stack, config=config, secret_keys=secret_keys)


def access_graph(stack: str, access: str) -> StackGraph:
    if access == "port-forward":
        return stack_graph(stack)
    overrides: dict = {"post_deploy": {"access": access}}
    if access == "gateway":
        overrides["edge"] = EDGE
    return graph_with(stack, json.dumps(overrides, sort_keys=True))


def wiring_objects(graph: StackGraph) -> dict[str, dict]:
    return {r.name.removeprefix("wiring-"): unwrap_secrets(r.inputs) for r in graph.resources if r.type.startswith(DYNAMIC)}


@pytest.mark.parametrize("access", ["port-forward", "in-cluster", "gateway"])
@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_wires_each_service_as_the_access_mode_says(stack: str, access: str) -> None:
    objects = wiring_objects(access_graph(stack, access))
    assert len(objects) == len(plan(shipped_settings(stack), SEMANTIC, _handover())) == 21
    by_service = {
        "dremio": objects["dremio-lake"]["connection"],
        "superset": objects["superset-lakehouse"]["connection"],
        "airbyte": objects["airbyte-bronze"]["connection"],
        "s3": objects[next(name for name in objects if name.startswith("bucket-"))]["connection"],
    }
    for service, connection in by_service.items():
        assert connection["ready_timeout_seconds"] == 600
        url = connection.get("url") or connection["endpoint"]
        if access == "gateway" and service != "s3":
            assert url.startswith(f"https://{service}.data.example.com"), url
            assert "tunnel" not in connection and connection["ca_certificate"]
        elif access == "in-cluster":
            assert ".svc.cluster.local:" in url and "tunnel" not in connection
        else:
            assert ".svc.cluster.local:" in url
            assert connection["tunnel"]["namespace"].startswith("dp-") and connection["tunnel"]["port"] == int(url.split(":")[2].split("/")[0])
    assert ("ca_certificate" in by_service["dremio"]) and by_service["dremio"]["url"].startswith("https://")


def test_the_tunnel_is_the_service_an_in_cluster_url_names() -> None:
    assert tunnel("https://dremio.dp-processing.svc.cluster.local:9047", context="prod") == {
        "service": "dremio", "namespace": "dp-processing", "port": 9047, "context": "prod"}
    assert tunnel("http://airbyte-airbyte-server-svc.dp-ingestion.svc.cluster.local:8001/api/public/v1", context=None)["port"] == 8001
    url, fields = reach(shipped_settings("dev"), "https://s3.eu-west-1.amazonaws.com", ui=None, ca_pem="pem")
    assert url == "https://s3.eu-west-1.amazonaws.com" and "tunnel" not in fields, "an external store is reached where it is"


def test_objects_wait_for_what_they_need() -> None:
    graph = stack_graph("staging")
    by_name = {r.name: r for r in graph.resources}
    urn = {r.urn: r.name for r in graph.resources}

    def waits_for(name: str) -> set[str]:
        return {urn[dependency] for dependency in by_name[f"wiring-{name}"].dependencies}

    assert "processing-maintenance-setup" in waits_for("dremio-admin")
    assert "wiring-dremio-admin" in waits_for("dremio-lake")
    assert {"processing-dbt-deploy", "wiring-dremio-space"} <= waits_for("reflection-customer_ltv_raw")
    assert "presentation-superset-setup" in waits_for("superset-lakehouse")
    assert {"processing-dbt-deploy", "wiring-superset-lakehouse"} <= waits_for("dataset-fct-customer-lifetime-value")
    assert "ingestion-airbyte" in waits_for("airbyte-workspace")
    assert any(name.startswith("storage-objects-setup") for name in waits_for("bucket-minio-bronze"))


@pytest.mark.parametrize("stack", STACKS)
def test_the_buckets_carry_the_readmes_settings_and_are_kept(stack: str) -> None:
    settings = shipped_settings(stack)
    graph = stack_graph(stack)
    buckets = {r.name.removeprefix(f"wiring-bucket-{settings.config.object_storage.backend}-"): r
               for r in graph.resources if r.name.startswith("wiring-bucket-")}
    assert set(buckets) == {"bronze", "silver", "gold", "logs", "backups", "dremio"}
    for logical, resource in buckets.items():
        inputs = unwrap_secrets(resource.inputs)
        wanted = BUCKET_SETTINGS.get(logical)
        assert inputs["versioning"] is bool(wanted and wanted.versioning) and inputs["adopt"] is True
        rules = {rule["id"]: rule for rule in inputs["lifecycle_rules"]}
        assert rules["abort-incomplete-uploads"]["abort_incomplete_multipart_days"] == 7
        if logical == "logs":
            assert rules["expire"]["expiration_days"] == settings.config.logging.retention_days
        if logical == "backups":
            assert rules["expire-old-versions"]["noncurrent_expiration_days"] == settings.config.backups.retention_days
        assert resource.retain_on_delete is True, f"{logical}: deleting the resource must keep the data"


def test_dremio_reads_the_lake_with_its_own_credential_and_elasticsearch_as_dremio() -> None:
    objects = wiring_objects(stack_graph("prod"))
    lake = objects["dremio-lake"]["config"]
    assert lake["whitelistedBuckets"] == ["bronze", "silver", "gold"] and lake["accessKey"].startswith("mock-secret")
    assert {"name": "fs.s3a.endpoint", "value": "object-storage.dp-storage.svc.cluster.local:9000"} in lake["propertyList"]
    search = objects["dremio-search"]["config"]
    assert search["username"] == "dremio" and search["sslEnabled"] is True
    assert objects["superset-lakehouse"]["sqlalchemy_uri"].startswith("dremio+flight://")


def _handover() -> Handover:
    return Handover(buckets={b: b for b in ("bronze", "silver", "gold", "logs", "backups", "dremio")}, s3_endpoint="http://s3:9000",
                    s3_region="us-east-1", dremio_s3=("a", "b"), airbyte_s3=("c", "d"), elasticsearch_host="es", elasticsearch_port=9200,
                    elasticsearch_password="p", postgresql_host="pg", analytics_reader=("analytics_reader", "r"), dremio_uri="u", roles={"Admin": None, "Data Engineer": [], "Analyst": [], "Viewer": []},
                    lake_source="lake", space="lakehouse")


@pytest.mark.parametrize(
    ("semantic", "named"),
    [
        (SemanticLayer(reflections=(Reflection(name="r", dataset=Model(name="fct_nothing"), type="RAW", display=("a",)),)),
         "reflections[0] (r).dataset: dbt builds no model 'fct_nothing'"),
        (SemanticLayer(reflections=(Reflection(name="r", dataset=View(path=("gold", "v"), sql="SELECT 1"), type="RAW", display=("a",)),)),
         "reflections[0] (r).dataset: the view gold.v is not declared in SEMANTIC.views"),
        (SemanticLayer(datasets=(Dataset(dataset=Model(name="fct_customer_lifetime_value"), database="Warehouse"),)),
         "datasets[0].database = 'Warehouse': the platform declares no such Superset database"),
        (SemanticLayer(reflections=(Reflection(name="r", dataset=Model(name="fct_customer_lifetime_value"), type="RAW"),)),
         "a RAW reflection needs display columns"),
    ],
)
def test_a_semantic_mistake_is_named_before_anything_is_declared(semantic: SemanticLayer, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        check_semantic(semantic)


def test_the_shipped_semantic_layer_is_valid_and_declares_the_architectures_example() -> None:
    check_semantic(SEMANTIC)
    items = {item.name: item for item in plan(shipped_settings("dev"), SEMANTIC, _handover())}
    assert items["reflection-customer_ltv_by_first_order"].inputs["type"] == "AGGREGATION"
    assert items["reflection-customer_ltv_raw"].inputs["dataset_path"] == ["lakehouse", "marts", "fct_customer_lifetime_value"]
    metrics = {m["metric_name"] for m in items["dataset-fct-customer-lifetime-value"].inputs["metrics"]}
    assert metrics == {"customer_count", "total_lifetime_value", "average_order_value"}
    assert items["dataset-fct-customer-lifetime-value"].inputs["schema"] == "lakehouse.marts"


def test_every_credential_the_wiring_hands_a_provider_stays_secret() -> None:
    from pulumi.runtime import rpc

    graph = stack_graph("prod")
    records = [r for r in graph.resources if r.type.startswith(DYNAMIC)]
    assert len(records) == 21
    for record in records:
        assert rpc.is_rpc_secret(record.inputs["connection"]), record.name
        plain = json.dumps({k: v for k, v in record.inputs.items() if not rpc.is_rpc_secret(v)}, default=str)
        leaked = [secret for secret in graph.secret_values if secret in plain]
        assert leaked == [], f"{record.name}: {leaked}"
    by_name = {r.name: r for r in records}
    for name, key in (("wiring-dremio-lake", "config"), ("wiring-dremio-analytics", "config"), ("wiring-dremio-search", "config"),
                      ("wiring-superset-lakehouse", "sqlalchemy_uri"), ("wiring-airbyte-bronze", "configuration")):
        assert rpc.is_rpc_secret(by_name[name].inputs[key]), f"{name}.{key} carries a credential"


def test_the_readme_shows_the_shipped_semantic_layer() -> None:
    from tests.support.stacks import PROJECT_ROOT

    source = (PROJECT_ROOT / "lakehouse" / "semantic.py").read_text()
    block = source[source.index("SEMANTIC = SemanticLayer("):].strip()
    assert block in (PROJECT_ROOT / "README.md").read_text(), "the README's copy of lakehouse/semantic.py must follow it"
