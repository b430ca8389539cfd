"""The storage layer on every topology and backend: instances, placement, custom resources, failures, secrets."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from components import versions
from components.catalog import SERVICE_LABEL, SERVICES_BY_NAME
from offline.graph import StackGraph, strip_secrets, unwrap_secrets
from offline.manifests import Manifest, helm_releases, integral_numbers
from tests import failure_simulation
from tests import manifest_checks as checks
from tests.conftest import BACKENDS, STACKS, backend_graph, backend_manifests, shipped_settings

TOPOLOGY_NUMBERS = {
    # stack: (minio servers, seaweedfs masters, volume servers, filers, postgres instances, elasticsearch nodes)
    "dev": (1, 1, 1, 1, 1, 1),
    "staging": (3, 3, 3, 2, 2, 3),
    "prod": (6, 3, 6, 3, 3, 3),
}


def find(manifests: tuple[Manifest, ...], kind: str, name: str | None = None) -> list[dict]:
    return [m.document for m in manifests if m.kind == kind and (name is None or m.name == name)]


def one(manifests: tuple[Manifest, ...], kind: str, name: str | None = None) -> dict:
    found = find(manifests, kind, name)
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def statefulsets(manifests: tuple[Manifest, ...], app: str, component: str) -> list[dict]:
    return [
        s
        for s in find(manifests, "StatefulSet")
        if s["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == app
        and s["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == component
    ]


# --- instance counts, placement and sizes per topology -------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_instance_counts_per_topology(stack: str) -> None:
    minio_servers, masters, volume_servers, filers, instances, nodes = TOPOLOGY_NUMBERS[stack]
    minio = backend_manifests(stack, "minio")
    seaweed = backend_manifests(stack, "seaweedfs")
    assert one(minio, "StatefulSet", "minio")["spec"]["replicas"] == minio_servers
    assert sum(s["spec"]["replicas"] for s in statefulsets(seaweed, "seaweedfs", "master")) == masters
    assert sum(s["spec"]["replicas"] for s in statefulsets(seaweed, "seaweedfs", "volume")) == volume_servers
    assert sum(s["spec"]["replicas"] for s in statefulsets(seaweed, "seaweedfs", "filer")) == filers
    for backend in BACKENDS:
        manifests = backend_manifests(stack, backend)
        assert one(manifests, "Cluster")["spec"]["instances"] == instances
        assert one(manifests, "Elasticsearch")["spec"]["nodeSets"][0]["count"] == nodes


@pytest.mark.parametrize(
    ("stack", "keys"),
    [("dev", []), ("staging", ["kubernetes.io/hostname"]), ("prod", ["topology.kubernetes.io/zone", "kubernetes.io/hostname"])],
)
def test_stores_spread_over_the_failure_domains(stack: str, keys: list[str]) -> None:
    for backend in ("minio", "seaweedfs"):
        for statefulset in find(backend_manifests(stack, backend), "StatefulSet"):
            pod = statefulset["spec"]["template"]["spec"]
            spread = [c["topologyKey"] for c in pod.get("topologySpreadConstraints") or []]
            pinned = failure_simulation._pinned_zone(pod)
            expected = [k for k in keys if k != "topology.kubernetes.io/zone"] if pinned else keys
            assert spread == expected, statefulset["metadata"]["name"]
            for constraint in pod.get("topologySpreadConstraints") or []:
                assert constraint["labelSelector"]["matchLabels"] == statefulset["spec"]["selector"]["matchLabels"]
    manifests = backend_manifests(stack, "minio")
    assert [c["topologyKey"] for c in one(manifests, "Cluster")["spec"].get("topologySpreadConstraints", [])] == keys
    es_pod = one(manifests, "Elasticsearch")["spec"]["nodeSets"][0]["podTemplate"]["spec"]
    assert [c["topologyKey"] for c in es_pod["topologySpreadConstraints"]] == keys


def test_prod_volume_servers_are_one_group_per_zone() -> None:
    groups = statefulsets(backend_manifests("prod", "seaweedfs"), "seaweedfs", "volume")
    zones = [failure_simulation._pinned_zone(g["spec"]["template"]["spec"]) for g in groups]
    assert sorted(zones) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    for group, zone in zip(groups, zones, strict=True):
        args = group["spec"]["template"]["spec"]["containers"][0]["args"]
        assert f"-rack={zone}" in args
    master_args = statefulsets(backend_manifests("prod", "seaweedfs"), "seaweedfs", "master")[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "-defaultReplication=010" in master_args


@pytest.mark.parametrize(("stack", "key", "anti_affinity", "synchronous"), [
    ("dev", "kubernetes.io/hostname", "preferred", None),
    ("staging", "kubernetes.io/hostname", "required", {"method": "any", "number": 1, "dataDurability": "preferred"}),
    ("prod", "topology.kubernetes.io/zone", "required", {"method": "any", "number": 1, "dataDurability": "required"}),
])
def test_postgresql_replication_per_topology(stack: str, key: str, anti_affinity: str, synchronous: dict | None) -> None:
    spec = one(backend_manifests(stack, "minio"), "Cluster")["spec"]
    assert spec["affinity"] == {"enablePodAntiAffinity": True, "topologyKey": key, "podAntiAffinityType": anti_affinity}
    assert spec["postgresql"].get("synchronous") == synchronous
    assert spec["enablePDB"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_elasticsearch_zone_awareness_only_with_zones(stack: str) -> None:
    cluster = one(backend_manifests(stack, "minio"), "Elasticsearch")
    node_set = cluster["spec"]["nodeSets"][0]
    annotations = cluster["metadata"].get("annotations") or {}
    env = {e["name"] for e in node_set["podTemplate"]["spec"]["containers"][0]["env"]}
    zoned = stack == "prod"
    assert ("eck.k8s.elastic.co/downward-node-labels" in annotations) == zoned
    assert ("node.attr.zone" in node_set["config"]) == zoned
    assert ("ZONE" in env) == zoned
    assert node_set["config"]["node.store.allow_mmap"] is False
    assert "http" not in cluster["spec"], "TLS must stay on: no http.tls override"


@pytest.mark.parametrize("backend", ["minio", "seaweedfs"])
@pytest.mark.parametrize("stack", STACKS)
def test_every_statefulset_has_a_disruption_budget(stack: str, backend: str) -> None:
    manifests = backend_manifests(stack, backend)
    budgets = find(manifests, "PodDisruptionBudget")
    for statefulset in find(manifests, "StatefulSet"):
        labels = statefulset["spec"]["template"]["metadata"]["labels"]
        covering = [
            b for b in budgets
            if b["metadata"]["namespace"] == statefulset["metadata"]["namespace"]
            and all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items())
        ]
        assert len(covering) == 1 and covering[0]["spec"]["maxUnavailable"] == 1, statefulset["metadata"]["name"]
    es_budget = one(manifests, "Elasticsearch")["spec"]["podDisruptionBudget"]["spec"]
    assert es_budget["maxUnavailable"] == 1


@pytest.mark.parametrize("stack", STACKS)
def test_sizes_and_storage_classes_come_from_the_profile(stack: str) -> None:
    settings = shipped_settings(stack)
    profile = settings.profile
    expected_class = profile.storage_class
    for backend in ("minio", "seaweedfs"):
        manifests = backend_manifests(stack, backend)
        for statefulset in find(manifests, "StatefulSet"):
            service = statefulset["spec"]["template"]["metadata"]["labels"][SERVICE_LABEL].replace("-", "_")
            size = profile.services[service]
            container = statefulset["spec"]["template"]["spec"]["containers"][0]
            assert container["resources"]["requests"] == {"cpu": f"{size.cpu_request_millis}m", "memory": f"{size.memory_request_mib}Mi"}
            claims = statefulset["spec"]["volumeClaimTemplates"]
            assert len(claims) == size.volumes_per_replica
            for claim in claims:
                assert claim["spec"]["resources"]["requests"]["storage"] == f"{size.storage_gib}Gi"
                assert claim["spec"].get("storageClassName") == expected_class
    manifests = backend_manifests(stack, "minio")
    cluster = one(manifests, "Cluster")["spec"]
    postgres = profile.services["postgresql"]
    assert cluster["storage"] == {"size": f"{postgres.storage_gib}Gi", **({"storageClass": expected_class} if expected_class else {})}
    assert cluster["resources"]["limits"]["memory"] == f"{postgres.memory_limit_mib}Mi"
    node_set = one(manifests, "Elasticsearch")["spec"]["nodeSets"][0]
    search = profile.services["elasticsearch"]
    container = node_set["podTemplate"]["spec"]["containers"][0]
    assert container["resources"]["requests"]["memory"] == f"{search.memory_request_mib}Mi"
    assert {"name": "ES_JAVA_OPTS", "value": f"-Xms{search.jvm_heap_mib}m -Xmx{search.jvm_heap_mib}m"} in container["env"]
    claim = node_set["volumeClaimTemplates"][0]
    assert claim["spec"]["resources"]["requests"]["storage"] == f"{search.storage_gib}Gi"
    assert claim["spec"].get("storageClassName") == expected_class


def test_prod_uses_the_configured_ssd_class() -> None:
    assert shipped_settings("prod").profile.storage_class == "ssd"
    assert shipped_settings("dev").profile.storage_class is None


def test_storage_requests_total_per_topology() -> None:
    """The total storage each topology asks for, as the closing note reports it (GiB)."""
    totals = {}
    for stack in STACKS:
        gib = 0
        for manifest in backend_manifests(stack, "minio"):
            if manifest.kind == "StatefulSet":
                replicas = manifest.document["spec"]["replicas"]
                for claim in manifest.document["spec"]["volumeClaimTemplates"]:
                    gib += replicas * int(claim["spec"]["resources"]["requests"]["storage"].removesuffix("Gi"))
            elif manifest.kind == "Cluster":
                gib += manifest.document["spec"]["instances"] * int(manifest.document["spec"]["storage"]["size"].removesuffix("Gi"))
            elif manifest.kind == "Elasticsearch":
                for node_set in manifest.document["spec"]["nodeSets"]:
                    size = node_set["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
                    gib += node_set["count"] * int(size.removesuffix("Gi"))
        totals[stack] = gib
    assert totals == {"dev": 20 + 5 + 10, "staging": 3 * 2 * 50 + 2 * 50 + 3 * 50, "prod": 6 * 2 * 200 + 3 * 100 + 3 * 100}


# --- failure simulation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["minio", "seaweedfs"])
@pytest.mark.parametrize(("stack", "domains", "key"), [("staging", 3, "kubernetes.io/hostname"), ("prod", 3, "topology.kubernetes.io/zone")])
def test_every_store_survives_its_topologys_failure(stack: str, backend: str, domains: int, key: str) -> None:
    outcomes = failure_simulation.simulate(list(backend_manifests(stack, backend)), domains, key)
    services = {o.service for o in outcomes}
    expected = {"postgresql", "elasticsearch"} | ({"minio"} if backend == "minio" else {"seaweedfs_master", "seaweedfs_volume", "seaweedfs_filer"})
    assert services == expected
    failing = [str(o) for o in outcomes if not o.survives]
    assert failing == [], "\n".join(failing)


def test_the_simulation_catches_a_layout_that_would_lose_a_zone() -> None:
    """Three MinIO servers of four drives pass settings (parity covers one server), but not when two of
    them share a zone: the simulation reads placement from the graph, so it sees that."""
    manifests = list(backend_manifests("prod", "minio"))
    broken = []
    for manifest in manifests:
        document = json.loads(json.dumps(manifest.document))
        if manifest.kind == "StatefulSet" and manifest.name == "minio":
            document["spec"]["template"]["spec"]["topologySpreadConstraints"] = []
        broken.append(Manifest(record=manifest.record, document=document))
    outcomes = {o.service: o for o in failure_simulation.simulate(broken, 3, "topology.kubernetes.io/zone")}
    assert not outcomes["minio"].survives


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
    assert set(roles) == {"airbyte", "superset"}
    for name, role in roles.items():
        role_secret = secrets[role["passwordSecret"]["name"]]
        assert role_secret["type"] == "kubernetes.io/basic-auth"
        assert set(role_secret["stringData"]) == {"username", "password"} and role_secret["stringData"]["username"] == name
    databases = {d["spec"]["name"]: d["spec"] for d in find(manifests, "Database")}
    assert databases == {
        name: {"name": name, "owner": name, "cluster": {"name": cluster["metadata"]["name"]}, "ensure": "present"} for name in roles
    }
    backup = one(manifests, "ScheduledBackup")["spec"]
    assert backup["cluster"] == {"name": cluster["metadata"]["name"]}
    assert backup["method"] == "plugin" and backup["pluginConfiguration"] == {"name": plugin["name"]}
    assert re.fullmatch(r"0 0 \d{1,2} \* \* \*", backup["schedule"])
    configuration = store["spec"]["configuration"]
    settings = shipped_settings(stack)
    bucket = ("acme-" if backend == "external" else "") + "backups"
    assert configuration["destinationPath"] == f"s3://{bucket}/postgresql"
    assert store["spec"]["retentionPolicy"] == f"{settings.backups.retention_days}d"
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
    assert realm_users == {"dremio": "dremio_reader", "log_shipper": "log_writer"}
    (roles_ref,) = spec["auth"]["roles"]
    roles = yaml.safe_load(secrets[roles_ref["secretName"]]["stringData"]["roles.yml"])
    assert set(realm_users.values()) <= set(roles)
    (secure,) = spec["secureSettings"]
    assert {entry["key"] for entry in secure["entries"]} <= set(secrets[secure["secretName"]]["stringData"])
    assert {entry["path"] for entry in secure["entries"]} == {"s3.client.default.access_key", "s3.client.default.secret_key"}
    config = spec["nodeSets"][0]["config"]
    assert config["s3.client.default.endpoint"] == "object-storage.dp-storage.svc.cluster.local:9000"
    assert config["s3.client.default.protocol"] == "http"


@pytest.mark.parametrize("stack", STACKS)
def test_operators_are_pinned_and_sized(stack: str) -> None:
    settings = shipped_settings(stack)
    releases = {unwrap_secrets(r.inputs)["name"]: integral_numbers(unwrap_secrets(r.inputs)) for r in helm_releases(backend_graph(stack, "minio"))}
    pins = {pin.release: pin for pin in versions.CHARTS}
    assert set(releases) == set(pins)
    sizes = {"cert-manager": "cert_manager", "cloudnative-pg": "cnpg_operator", "plugin-barman-cloud": "barman_cloud_plugin", "eck-operator": "eck_operator"}
    for name, release in releases.items():
        pin = pins[name]
        assert (release["chart"], release["version"], release["repositoryOpts"]["repo"]) == (pin.chart, pin.version, pin.repository)
        assert release["namespace"] == "dp-operators"
        size = settings.services[sizes[name]]
        assert release["values"]["replicaCount"] == size.replicas
        assert release["values"]["resources"]["requests"] == {"cpu": f"{size.cpu_request_millis}m", "memory": f"{size.memory_request_mib}Mi"}
    # The NetworkPolicies select chart pods by the instance label the release name sets.
    for service_name, release_name in (("cnpg_operator", "cloudnative-pg"), ("eck_operator", "eck-operator"),
                                       ("cert_manager", "cert-manager"), ("barman_cloud_plugin", "plugin-barman-cloud")):
        assert SERVICES_BY_NAME[service_name].policy_selector["app.kubernetes.io/instance"] == release_name
    assert releases["eck-operator"]["values"]["managedNamespaces"] == ["dp-storage"]
    assert releases["eck-operator"]["values"]["telemetry"] == {"disabled": True}


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
    jobs = [j for j in find(manifests, "Job") if "mc mb" in " ".join(j["spec"]["template"]["spec"]["containers"][0]["command"])]
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
    assert set(identities) == {"admin", "airbyte", "dremio", "backups"}
    assert sorted(identities["backups"]["actions"]) == ["List:backups", "Read:backups", "Tagging:backups", "Write:backups"]
    assert "Write:bronze" not in identities["dremio"]["actions"] and "Read:bronze" in identities["dremio"]["actions"]
    keys = {c["accessKey"] for i in identities.values() for c in i["credentials"]}
    assert len(keys) == 4 and keys <= graph.secret_values


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


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_is_stored_in_clear(stack: str, backend: str) -> None:
    """Every generated or configured secret appears only in secret-marked inputs and outputs."""
    graph = backend_graph(stack, backend)
    assert graph.secret_values, "the mocks hand out secrets; none were recorded"
    for record in graph.resources:
        clear = json.dumps(strip_secrets(record.inputs)) + json.dumps(strip_secrets(record.state)) if record.type != "random:index/randomPassword:RandomPassword" else json.dumps(strip_secrets(record.inputs))
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

    def stable(graph: StackGraph) -> dict[str, str]:
        return {r.urn: json.dumps(integral_numbers(unwrap_secrets(r.inputs)), sort_keys=True) for r in graph.resources if r.urn not in changeable}

    before, after = stable(base), stable(other)
    assert set(before) == set(after), "resources outside object storage appeared or disappeared"
    differing = sorted(urn.rsplit("::", 1)[-1] for urn in before if before[urn] != after[urn])
    if backend == "seaweedfs":
        assert differing == []
    else:
        # An external store has another endpoint and bucket names; only the resources naming them change.
        assert differing == ["storage-elasticsearch-cluster", "storage-elasticsearch-snapshots", "storage-postgresql-object-store"]
    outputs_before, outputs_after = unwrap_secrets(base.outputs["storage"]), unwrap_secrets(other.outputs["storage"])
    assert set(outputs_before) == set(outputs_after)


def test_storage_outputs_name_endpoints_and_buckets() -> None:
    outputs = unwrap_secrets(backend_graph("prod", "minio").outputs["storage"])
    assert outputs == {
        "object_storage_backend": "minio",
        "s3_endpoint": "http://object-storage.dp-storage.svc.cluster.local:9000",
        "s3_region": "us-east-1",
        "buckets": {b: b for b in ("bronze", "silver", "gold", "logs", "backups")},
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
    ]
    clients = {labels[SERVICE_LABEL] for _, labels, _ in egress_to_blocks}
    assert clients == {"airbyte-worker", "airbyte-jobs", "dremio-coordinator", "dremio-executor", "postgresql", "elasticsearch", "storage-setup"}
