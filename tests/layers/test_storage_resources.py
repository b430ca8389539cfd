"""The storage layer on every topology and backend: custom resources, object storage, secrets, switching backends."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from components.platform import versions
from components.platform.catalog import SERVICE_LABEL, SERVICES_BY_NAME
from offline.graph import StackGraph, strip_secrets, unwrap_secrets
from offline.manifests import Manifest, integral_numbers
from tests.support import manifest_checks as checks
from tests.support.lookup import find, one
from tests.support.stacks import BACKENDS, STACKS, backend_graph, backend_manifests, shipped_settings

# --- custom resources: shape and references -------------------------------------------------------------------


def secrets_by_name(manifests: tuple[Manifest, ...], namespace: str) -> dict[str, dict]:
    return {m.name: m.document for m in manifests if m.kind == "Secret" and m.namespace == namespace}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("stack", STACKS)
def test_postgresql_resources_reference_each_other(stack: str, backend: str) -> None:
    manifests = backend_manifests(stack, backend)
    secrets = secrets_by_name(manifests, "dp-storage")
    cluster = one(manifests, "Cluster")
    spec = cluster["spec"]
    assert spec["imageName"] == versions.POSTGRESQL.reference
    assert spec["inheritedMetadata"]["labels"][SERVICE_LABEL] == "postgresql"
    store = one(manifests, "ObjectStore")
    (plugin,) = spec["plugins"]
    assert plugin == {"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True, "parameters": {"barmanObjectName": store["metadata"]["name"]}}
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    assert set(roles) == {"airbyte", "superset", "dbt", "grafana", "analytics", "analytics_reader"}
    for name, role in roles.items():
        role_secret = secrets[role["passwordSecret"]["name"]]
        assert role_secret["type"] == "kubernetes.io/basic-auth"
        assert set(role_secret["stringData"]) == {"username", "password"} and role_secret["stringData"]["username"] == name
    databases = {d["spec"]["name"]: d["spec"] for d in find(manifests, "Database")}
    # Each role owns its database; Airbyte's also owns Temporal's two, which its chart does not create.
    owners = {name: name for name in roles if not name.endswith("_reader")} | {"temporal": "airbyte", "temporal_visibility": "airbyte"}
    assert databases == {
        name: {"name": name, "owner": owner, "cluster": {"name": cluster["metadata"]["name"]}, "ensure": "present"}
        for name, owner in owners.items()
    }
    backup = one(manifests, "ScheduledBackup")["spec"]
    assert backup["cluster"] == {"name": cluster["metadata"]["name"]}
    assert backup["method"] == "plugin" and backup["pluginConfiguration"] == {"name": plugin["name"]}
    assert re.fullmatch(r"0 0 \d{1,2} \* \* \*", backup["schedule"])
    configuration = store["spec"]["configuration"]
    settings = shipped_settings(stack)
    bucket = ("acme-" if backend == "external" else "") + "backups"
    assert configuration["destinationPath"] == f"s3://{bucket}/postgresql"
    assert store["spec"]["retentionPolicy"] == f"{settings.config.backups.retention_days}d"
    credentials = configuration["s3Credentials"]
    credential_secret = secrets[credentials["accessKeyId"]["name"]]
    assert credentials["secretAccessKey"]["name"] == credentials["accessKeyId"]["name"]
    assert {credentials["accessKeyId"]["key"], credentials["secretAccessKey"]["key"]} <= set(credential_secret["stringData"])
    expected_endpoint = "https://s3.eu-west-1.amazonaws.com" if backend == "external" else "http://object-storage.dp-storage.svc.cluster.local:9000"
    assert configuration["endpointURL"] == expected_endpoint


@pytest.mark.parametrize("stack", STACKS)
def test_elasticsearch_users_roles_and_snapshot_settings(stack: str) -> None:
    manifests = backend_manifests(stack, "minio")
    secrets = secrets_by_name(manifests, "dp-storage")
    spec = one(manifests, "Elasticsearch")["spec"]
    assert spec["image"] == versions.ELASTICSEARCH.reference and spec["version"] == versions.ELASTICSEARCH.tag
    realm_users = {}
    for entry in spec["auth"]["fileRealm"]:
        user_secret = secrets[entry["secretName"]]
        assert user_secret["type"] == "kubernetes.io/basic-auth"
        realm_users[user_secret["stringData"]["username"]] = user_secret["stringData"]["roles"]
    expected = {"dremio": "dremio_reader", "log_shipper": "log_writer", "metrics_reader": "metrics_reader"}
    if stack != "dev":  # tracing is on by default outside dev
        expected["jaeger"] = "trace_writer"
    assert realm_users == expected
    (roles_ref,) = spec["auth"]["roles"]
    roles = yaml.safe_load(secrets[roles_ref["secretName"]]["stringData"]["roles.yml"])
    assert set(realm_users.values()) <= set(roles)
    (secure,) = spec["secureSettings"]
    assert {entry["key"] for entry in secure["entries"]} <= set(secrets[secure["secretName"]]["stringData"])
    assert {entry["path"] for entry in secure["entries"]} == {"s3.client.default.access_key", "s3.client.default.secret_key"}
    # The HTTP certificate comes from the platform CA, for every Service name a client may use.
    certificate = next(c for c in find(manifests, "Certificate") if c["spec"]["secretName"] == spec["http"]["tls"]["certificate"]["secretName"])
    assert certificate["spec"]["issuerRef"]["kind"] == "ClusterIssuer"
    assert "elasticsearch-es-http.dp-storage.svc.cluster.local" in certificate["spec"]["dnsNames"]
    config = spec["nodeSets"][0]["config"]
    assert config["s3.client.default.endpoint"] == "object-storage.dp-storage.svc.cluster.local:9000"
    assert config["s3.client.default.protocol"] == "http"


# --- object storage ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "storage_class"), [("dev", None), ("staging", "EC:3"), ("prod", "EC:4")])
def test_minio_erasure_coding_and_start_up(stack: str, storage_class: str | None) -> None:
    manifests = backend_manifests(stack, "minio")
    minio = one(manifests, "StatefulSet", "minio")
    container = minio["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env.get("MINIO_STORAGE_CLASS_STANDARD") == storage_class
    assert "MINIO_ROOT_PASSWORD" not in env and env["MINIO_CONFIG_ENV_FILE"] == "/etc/minio/config.env"
    servers, drives = minio["spec"]["replicas"], len(minio["spec"]["volumeClaimTemplates"])
    endpoints = container["args"][-1]
    if servers * drives == 1:
        assert endpoints == "/data0"
    else:
        assert endpoints == f"http://minio-{{0...{servers - 1}}}.minio-hl.dp-storage.svc.cluster.local/data{{0...{drives - 1}}}"
    assert minio["spec"]["podManagementPolicy"] == "Parallel"
    assert container["image"] == versions.MINIO.reference
    console = one(manifests, "Service", "minio-console")
    assert console["spec"]["type"] == "ClusterIP"


@pytest.mark.parametrize("backend", ["minio", "seaweedfs", "external"])
def test_set_up_job_creates_every_bucket(backend: str) -> None:
    manifests = backend_manifests("dev", backend)
    jobs = [j for j in find(manifests, "Job") if "mc mb" in " ".join(j["spec"]["template"]["spec"]["containers"][0].get("command") or [])]
    (job,) = jobs
    script = job["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    prefix = "acme-" if backend == "external" else ""
    for bucket in ("bronze", "silver", "gold", "logs", "backups"):
        assert f"mc mb --ignore-existing store/{prefix}{bucket}" in script
    assert ("provision airbyte" in script) == (backend == "minio")


def test_seaweedfs_identities_limit_each_consumer_to_its_buckets() -> None:
    graph = backend_graph("staging", "seaweedfs")
    manifests = backend_manifests("staging", "seaweedfs")
    identities_secret = next(m for m in manifests if m.kind == "Secret" and "s3.json" in m.document["stringData"])
    identities = {i["name"]: i for i in json.loads(identities_secret.document["stringData"]["s3.json"])["identities"]}
    assert set(identities) == {"admin", "airbyte", "dremio", "dremio-backups", "dbt", "backups", "offsite-mirror"}
    # The offsite mirror reads what it copies and writes nothing.
    assert {a.split(":")[0] for a in identities["offsite-mirror"]["actions"]} == {"List", "Read"}
    assert {a.split(":")[1] for a in identities["offsite-mirror"]["actions"]} == {"bronze", "silver", "gold", "backups"}
    assert sorted(identities["backups"]["actions"]) == ["List:backups", "Read:backups", "Tagging:backups", "Write:backups"]
    assert sorted(identities["dremio-backups"]["actions"]) == sorted(identities["backups"]["actions"])
    # Dremio: read on bronze, read-write on silver, gold and its own bucket, nothing else.
    dremio = set(identities["dremio"]["actions"])
    assert {a.split(":")[1] for a in dremio if a.startswith("Read:")} == {"bronze", "silver", "gold", "dremio"}
    assert {a.split(":")[1] for a in dremio if a.startswith("Write:")} == {"silver", "gold", "dremio"}
    keys = {c["accessKey"] for i in identities.values() for c in i["credentials"]}
    assert sorted(identities["dbt"]["actions"]) == ["List:logs", "Read:logs", "Tagging:logs", "Write:logs"]
    assert len(keys) == 7 and keys <= graph.secret_values


@pytest.mark.parametrize("backend", BACKENDS)
def test_consumers_get_credentials_in_their_own_namespaces(backend: str) -> None:
    manifests = backend_manifests("staging", backend)
    by_namespace = {}
    for manifest in manifests:
        if manifest.kind == "Secret":
            by_namespace.setdefault(manifest.namespace, []).append(set(manifest.document["stringData"]))
    s3_keys = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT", "S3_REGION"}
    assert s3_keys in by_namespace["dp-ingestion"] and s3_keys in by_namespace["dp-processing"]
    database_keys = {"username", "password", "host", "port", "database"}
    assert database_keys in by_namespace["dp-ingestion"] and database_keys in by_namespace["dp-presentation"]
    assert {"username", "password", "url"} in by_namespace["dp-processing"]
    assert {"username", "password", "url"} in by_namespace["dp-node-agents"]


# --- secrets and backend switching ---------------------------------------------------------------------------


SECRET_GENERATORS = {"random:index/randomPassword:RandomPassword", "tls:index/privateKey:PrivateKey", "aws:iam/accessKey:AccessKey"}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_is_stored_in_clear(stack: str, backend: str) -> None:
    """Every generated or configured secret appears only in secret-marked inputs and outputs."""
    graph = backend_graph(stack, backend)
    assert graph.secret_values, "the mocks hand out secrets; none were recorded"
    for record in graph.resources:
        # These resources' SDKs mark their generated outputs secret (additional_secret_outputs), which the
        # mock engine does not apply to the state it returns.
        state = {} if record.type in SECRET_GENERATORS else strip_secrets(record.state)
        clear = json.dumps(strip_secrets(record.inputs)) + json.dumps(state)
        for value in graph.secret_values:
            assert value not in clear, f"{record.urn} holds a secret in clear"
    outputs = json.dumps(strip_secrets(graph.outputs))
    assert not any(value in outputs for value in graph.secret_values)
    for manifest in backend_manifests(stack, backend):
        if manifest.kind == "ConfigMap":
            assert not any(value in json.dumps(manifest.document) for value in graph.secret_values)


def _subtree(graph: StackGraph, component_type: str) -> set[str]:
    roots = {r.urn for r in graph.resources if r.type == component_type}
    inside = set(roots)
    changed = True
    while changed:
        changed = False
        for record in graph.resources:
            if record.parent in inside and record.urn not in inside:
                inside.add(record.urn)
                changed = True
    return inside


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("backend", ["seaweedfs", "external"])
def test_switching_backend_changes_only_object_storage(stack: str, backend: str) -> None:
    base, other = backend_graph(stack, "minio"), backend_graph(stack, backend)
    changeable = set()
    for graph in (base, other):
        changeable |= _subtree(graph, "data-platform:storage:ObjectStorage")
        changeable |= {r.urn for r in graph.resources if r.type.endswith("NetworkPolicy")}
        # The lake's buckets are declared per backend (a switch creates them on the new store).
        changeable |= {r.urn for r in graph.resources if r.name.startswith("wiring-bucket-")}
        # Another backend is another capacity report.
        changeable |= {r.urn for r in graph.resources if r.name == "observability-capacity"}
        # Each backend's servers have their own scrape targets.
        changeable |= {r.urn for r in graph.resources if r.type.endswith("PodMonitor") and r.name.startswith(("observability-minio", "observability-seaweedfs"))}

    def stable(graph: StackGraph) -> dict[str, str]:
        return {r.urn: json.dumps(integral_numbers(unwrap_secrets(r.inputs)), sort_keys=True) for r in graph.resources if r.urn not in changeable}

    before, after = stable(base), stable(other)
    assert set(before) == set(after), "resources outside object storage appeared or disappeared"
    differing = sorted(urn.rsplit("::", 1)[-1] for urn in before if before[urn] != after[urn])
    if backend == "seaweedfs":
        assert differing == []
    else:
        # An external store has another endpoint and bucket names; only the resources naming them change (and the
        # offsite mirror, which reads that store, where there is one).
        expected = [
            "ingestion-airbyte",
            "processing-dbt-deploy",
            "processing-dbt-nightly",
            "processing-dremio-config",
            "processing-maintenance-backup",
            "storage-elasticsearch-cluster",
            "storage-elasticsearch-snapshots",
            "storage-postgresql-object-store",
            "wiring-airbyte-bronze",
            "wiring-dremio-lake",
        ]
        if stack != "dev":
            expected = sorted([*expected, "backups-mirror", "backups-mirror-script"])
        assert differing == expected
    outputs_before, outputs_after = unwrap_secrets(base.outputs["storage"]), unwrap_secrets(other.outputs["storage"])
    assert set(outputs_before) == set(outputs_after)


def test_storage_outputs_name_endpoints_and_buckets() -> None:
    outputs = unwrap_secrets(backend_graph("prod", "minio").outputs["storage"])
    assert outputs == {
        "object_storage_backend": "minio",
        "s3_endpoint": "http://object-storage.dp-storage.svc.cluster.local:9000",
        "s3_region": "us-east-1",
        "buckets": {b: b for b in ("bronze", "silver", "gold", "logs", "backups", "dremio")},
        "postgresql_host": "postgresql-rw.dp-storage.svc.cluster.local",
        "elasticsearch_url": "https://elasticsearch-es-http.dp-storage.svc.cluster.local:9200",
    }


@pytest.mark.parametrize("backend", ["seaweedfs", "external"])
@pytest.mark.parametrize("stack", STACKS)
def test_other_backends_pass_the_manifest_checks(stack: str, backend: str) -> None:
    manifests = backend_manifests(stack, backend)
    levels = {m.name: m.document["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] for m in manifests if m.kind == "Namespace"}
    assert checks.schema_problems(manifests) == []
    assert checks.pod_security_problems(manifests, levels)[0] == []
    assert checks.semantic_problems(manifests) == []
    assert checks.reference_problems(manifests) == []


def test_external_backend_opens_egress_only_to_the_configured_endpoint() -> None:
    manifests = backend_manifests("staging", "external")
    egress_to_blocks = [
        (m.namespace, m.document["spec"]["podSelector"]["matchLabels"], rule["ports"])
        for m in manifests
        if m.kind == "NetworkPolicy"
        for rule in m.document["spec"].get("egress") or []
        if any("ipBlock" in peer for peer in rule.get("to") or [])
        and rule["ports"] == [{"port": 443, "protocol": "TCP"}]
        and "kubernetes-api" not in (m.document["metadata"].get("annotations") or {}).get("dataplatform.io/flows", "")
        and "offsite-s3" not in (m.document["metadata"].get("annotations") or {}).get("dataplatform.io/flows", "")
    ]
    by_selector = {tuple(sorted(spec.policy_selector.items())): spec.name for spec in SERVICES_BY_NAME.values()}
    clients = {by_selector[tuple(sorted(labels.items()))] for _, labels, _ in egress_to_blocks}
    assert clients == {
        "airbyte_server", "airbyte_worker", "airbyte_jobs", "dbt", "dremio_coordinator", "dremio_executor", "dremio_maintenance",
        "postgresql", "elasticsearch", "storage_setup", "offsite_mirror",
    }
