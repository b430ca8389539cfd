"""The storage layer on every topology and backend: instance counts, placement, sizes, failure simulation."""

from __future__ import annotations

import json

import pytest

from components.platform.catalog import SERVICE_LABEL, SERVICES_BY_NAME, Availability, Zone
from offline.manifests import Manifest
from tests.support import failure_simulation
from tests.support.lookup import find, one, statefulsets
from tests.support.stacks import BACKENDS, STACKS, backend_manifests, shipped_settings

TOPOLOGY_NUMBERS = {
    # stack: (minio servers, seaweedfs masters, volume servers, filers, postgres instances, elasticsearch nodes)
    "dev": (1, 1, 1, 1, 1, 1),
    "staging": (3, 3, 3, 2, 2, 3),
    "prod": (6, 3, 6, 3, 3, 3),
}


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
    # TLS stays on, with the platform CA's certificate instead of ECK's self-signed one.
    assert set(cluster["spec"]["http"]["tls"]) == {"certificate"}


@pytest.mark.parametrize("backend", ["minio", "seaweedfs"])
@pytest.mark.parametrize("stack", STACKS)
def test_every_statefulset_has_a_disruption_budget(stack: str, backend: str) -> None:
    manifests = backend_manifests(stack, backend)
    budgets = find(manifests, "PodDisruptionBudget")
    for statefulset in find(manifests, "StatefulSet"):
        labels = statefulset["spec"]["template"]["metadata"]["labels"]
        if SERVICES_BY_NAME[labels[SERVICE_LABEL].replace("-", "_")].availability is Availability.SINGLE:
            # One instance by design (the Dremio coordinator): a budget could only block drains.
            continue
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
            # The pod requests the row (a sidecar, where there is one, takes its share of it).
            containers = statefulset["spec"]["template"]["spec"]["containers"]
            requests = [c["resources"]["requests"] for c in containers]
            assert sum(int(r["cpu"].removesuffix("m")) for r in requests) == size.cpu_request_millis
            assert sum(int(r["memory"].removesuffix("Mi")) for r in requests) == size.memory_request_mib
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
            if manifest.namespace != f"dp-{Zone.STORAGE}":
                continue
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
    expected = {"postgresql", "elasticsearch", "zookeeper", "dremio_executor"}
    expected |= {"minio"} if backend == "minio" else {"seaweedfs_master", "seaweedfs_volume", "seaweedfs_filer"}
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


