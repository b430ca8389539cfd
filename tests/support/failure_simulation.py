"""Failure simulation on a captured graph: does every stateful service survive losing one host or zone?

Works only from what the program declares (replicas, spread constraints, anti-affinity, erasure and
replication settings), not from the settings that produced them, so it checks the program's output:

* placement: members spread with a hard (`DoNotSchedule`, maxSkew 1) constraint or required
  anti-affinity over N domains put at most ceil(members / N) in one domain; a StatefulSet pinned to a
  zone by node affinity puts all its members there; with no such rule all members may share one domain;
* survival: each store's own rule decides whether the members left after the worst domain is lost keep
  the data readable and writable (erasure quorum, raft majority, a surviving copy, a promotable standby).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from offline.manifests import Manifest

ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"


@dataclass(frozen=True)
class Outcome:
    service: str
    members: int
    lost: int
    survives: bool
    why: str

    def __str__(self) -> str:
        verdict = "survives" if self.survives else "DOES NOT SURVIVE"
        return f"{self.service}: {self.members} members, worst loss {self.lost}: {verdict} ({self.why})"


def max_members_in_one_domain(members: int, domains: int, hard_keys: set[str], domain_key: str) -> int:
    if domain_key in hard_keys:
        return math.ceil(members / domains)
    if domain_key == HOSTNAME_KEY and ZONE_KEY in hard_keys:
        return members  # spread over zones only: a host may hold a zone's share
    return members


def _hard_keys(pod_spec: dict) -> set[str]:
    keys = {
        c["topologyKey"]
        for c in pod_spec.get("topologySpreadConstraints") or []
        if c.get("whenUnsatisfiable") == "DoNotSchedule" and c.get("maxSkew") == 1
    }
    for term in ((pod_spec.get("affinity") or {}).get("podAntiAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution", []
    ):
        keys.add(term["topologyKey"])
    return keys


def _pinned_zone(pod_spec: dict) -> str | None:
    terms = (
        ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
        .get("requiredDuringSchedulingIgnoredDuringExecution", {})
        .get("nodeSelectorTerms", [])
    )
    for term in terms:
        for expression in term.get("matchExpressions", []):
            if expression["key"] == ZONE_KEY and expression["operator"] == "In" and len(expression["values"]) == 1:
                return expression["values"][0]
    return None


def _statefulsets(manifests: list[Manifest], component: str, app: str) -> list[dict]:
    return [
        m.document
        for m in manifests
        if m.kind == "StatefulSet"
        and m.document["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name") == app
        and m.document["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/component") == component
    ]


def _lost_in_domain(sets: list[dict], domains: int, domain_key: str) -> int:
    """Members of these StatefulSets lost with the worst single domain."""
    if domain_key == ZONE_KEY and all(_pinned_zone(s["spec"]["template"]["spec"]) for s in sets) and sets:
        by_zone: dict[str, int] = {}
        for s in sets:
            zone = _pinned_zone(s["spec"]["template"]["spec"])
            by_zone[zone] = by_zone.get(zone, 0) + s["spec"]["replicas"]
        return max(by_zone.values())
    members = sum(s["spec"]["replicas"] for s in sets)
    hard = set.intersection(*(_hard_keys(s["spec"]["template"]["spec"]) for s in sets)) if sets else set()
    if domain_key == HOSTNAME_KEY and len(sets) > 1:
        # Several zone-pinned groups on hosts: each group spreads over hosts on its own.
        return sum(max_members_in_one_domain(s["spec"]["replicas"], domains, _hard_keys(s["spec"]["template"]["spec"]), domain_key) for s in sets)
    return max_members_in_one_domain(members, domains, hard, domain_key)


def simulate(manifests: list[Manifest], domains: int, domain_key: str) -> list[Outcome]:
    """Every stateful store after losing the worst `domain_key` domain of `domains`: the storage layer's, and
    the processing layer's ZooKeeper ensemble and Dremio executors."""
    outcomes = []
    outcomes += _minio(manifests, domains, domain_key)
    outcomes += _seaweedfs(manifests, domains, domain_key)
    outcomes += _postgresql(manifests, domains, domain_key)
    outcomes += _elasticsearch(manifests, domains, domain_key)
    outcomes += _zookeeper(manifests, domains, domain_key)
    outcomes += _dremio_executors(manifests, domains, domain_key)
    return outcomes


def _env(container: dict, name: str) -> str | None:
    return next((v.get("value") for v in container.get("env") or [] if v["name"] == name), None)


def _minio(manifests: list[Manifest], domains: int, domain_key: str) -> list[Outcome]:
    sets = _statefulsets(manifests, "server", "minio")
    if not sets:
        return []
    (minio,) = sets
    servers = minio["spec"]["replicas"]
    drives_per_server = len(minio["spec"]["volumeClaimTemplates"])
    drives = servers * drives_per_server
    container = minio["spec"]["template"]["spec"]["containers"][0]
    storage_class = _env(container, "MINIO_STORAGE_CLASS_STANDARD")
    if drives == 1:
        return [Outcome("minio", 1, 1, domains <= 1, "single drive, no redundancy")]
    parity = int(re.fullmatch(r"EC:(\d+)", storage_class or "EC:0").group(1))  # type: ignore[union-attr]
    set_size = max(size for size in range(4, 17) if drives % size == 0)
    data = set_size - parity
    write_quorum = data + 1 if data == parity else data
    lost_servers = _lost_in_domain(sets, domains, domain_key)
    lost_per_set = math.ceil(lost_servers * drives_per_server * set_size / drives)
    remaining = set_size - lost_per_set
    return [
        Outcome(
            "minio",
            servers,
            lost_servers,
            remaining >= write_quorum,
            f"{set_size}-drive sets at EC:{parity}: {remaining} of {set_size} drives left, write quorum {write_quorum}",
        )
    ]


def _arg(args: list[str], flag: str) -> str | None:
    return next((a.split("=", 1)[1] for a in args if a.startswith(f"{flag}=")), None)


def _seaweedfs(manifests: list[Manifest], domains: int, domain_key: str) -> list[Outcome]:
    masters = _statefulsets(manifests, "master", "seaweedfs")
    if not masters:
        return []
    volumes = _statefulsets(manifests, "volume", "seaweedfs")
    filers = _statefulsets(manifests, "filer", "seaweedfs")
    outcomes = []
    master_count = sum(s["spec"]["replicas"] for s in masters)
    lost = _lost_in_domain(masters, domains, domain_key)
    outcomes.append(
        Outcome("seaweedfs_master", master_count, lost, master_count - lost >= master_count // 2 + 1, f"raft majority {master_count // 2 + 1}")
    )
    replication = _arg(masters[0]["spec"]["template"]["spec"]["containers"][0]["args"], "-defaultReplication") or "000"
    racks = {_arg(s["spec"]["template"]["spec"]["containers"][0]["args"], "-rack") for s in volumes}
    server_count = sum(s["spec"]["replicas"] for s in volumes)
    lost_servers = _lost_in_domain(volumes, domains, domain_key)
    if replication == "010":
        # Copies in another rack; racks are zones only when every group is pinned to its zone.
        survives = len(racks) > 1 and (domain_key != ZONE_KEY or all(_pinned_zone(s["spec"]["template"]["spec"]) for s in volumes))
        why = f"replication 010 over {len(racks)} racks (zones)"
    elif replication == "001":
        # A copy on another server: safe when no domain holds two servers.
        survives = lost_servers <= 1 and server_count >= 2
        why = f"replication 001, at most {lost_servers} server(s) per {domain_key.split('/')[-1]}"
    else:
        survives, why = domains <= 1, "no replication"
    outcomes.append(Outcome("seaweedfs_volume", server_count, lost_servers, survives, why))
    filer_count = sum(s["spec"]["replicas"] for s in filers)
    lost_filers = _lost_in_domain(filers, domains, domain_key)
    outcomes.append(Outcome("seaweedfs_filer", filer_count, lost_filers, filer_count - lost_filers >= 1, "one filer serves S3"))
    return outcomes


def _postgresql(manifests: list[Manifest], domains: int, domain_key: str) -> list[Outcome]:
    clusters = [m.document for m in manifests if m.kind == "Cluster"]
    outcomes = []
    for cluster in clusters:
        spec = cluster["spec"]
        instances = spec["instances"]
        affinity = spec.get("affinity") or {}
        one_per_domain = affinity.get("podAntiAffinityType") == "required" and affinity.get("topologyKey") == domain_key
        spread_hard = {
            c["topologyKey"] for c in spec.get("topologySpreadConstraints") or [] if c["whenUnsatisfiable"] == "DoNotSchedule"
        }
        if one_per_domain:
            lost = 1
        else:
            lost = max_members_in_one_domain(instances, domains, spread_hard, domain_key)
        remaining = instances - lost
        synchronous = (spec.get("postgresql") or {}).get("synchronous")
        required = synchronous.get("number", 0) if synchronous and synchronous.get("dataDurability") == "required" else 0
        # After a failover one survivor is primary; a `required` synchronous setting needs that many standbys left.
        survives = remaining >= 1 and remaining - 1 >= required
        why = f"{remaining} instance(s) left, synchronous standbys required {required}"
        outcomes.append(Outcome("postgresql", instances, lost, survives, why))
    return outcomes


def _elasticsearch(manifests: list[Manifest], domains: int, domain_key: str) -> list[Outcome]:
    outcomes = []
    for cluster in (m.document for m in manifests if m.kind == "Elasticsearch"):
        for node_set in cluster["spec"]["nodeSets"]:
            count = node_set["count"]
            pod_spec = node_set["podTemplate"]["spec"]
            hard = _hard_keys(pod_spec)
            lost = max_members_in_one_domain(count, domains, hard, domain_key)
            config = node_set.get("config") or {}
            awareness = config.get("cluster.routing.allocation.awareness.attributes", "")
            replica_elsewhere = domain_key == HOSTNAME_KEY or "zone" in awareness
            quorum = count // 2 + 1
            survives = count - lost >= quorum and replica_elsewhere
            why = f"master quorum {quorum}, replica shards {'forced into another ' + domain_key.split('/')[-1] if replica_elsewhere else 'may share the lost zone'}"
            outcomes.append(Outcome("elasticsearch", count, lost, survives, why))
    return outcomes


def _zookeeper(manifests: list[Manifest], domains: int, domain_key: str) -> list[Outcome]:
    sets = _statefulsets(manifests, "ensemble", "zookeeper")
    if not sets:
        return []
    members = sum(s["spec"]["replicas"] for s in sets)
    # The ensemble is what zoo.cfg lists, not only what the StatefulSet runs: a quorum is of the listed members.
    config = next(
        (m.document["data"]["zoo.cfg"] for m in manifests if m.kind == "ConfigMap" and "zoo.cfg" in (m.document.get("data") or {})),
        "",
    )
    listed = len([line for line in config.splitlines() if line.startswith("server.")])
    lost = _lost_in_domain(sets, domains, domain_key)
    quorum = listed // 2 + 1
    survives = members == listed and members - lost >= quorum
    return [Outcome("zookeeper", members, lost, survives, f"{members - lost} of {listed} listed members left, quorum {quorum}")]


def _dremio_executors(manifests: list[Manifest], domains: int, domain_key: str) -> list[Outcome]:
    sets = _statefulsets(manifests, "executor", "dremio")
    if not sets:
        return []
    members = sum(s["spec"]["replicas"] for s in sets)
    lost = _lost_in_domain(sets, domains, domain_key)
    return [Outcome("dremio_executor", members, lost, members - lost >= 1, f"{members - lost} executor(s) left to run queries")]
