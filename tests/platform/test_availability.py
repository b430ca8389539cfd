"""The availability check: every service keeps the topology's promise, or the stack is refused (or accepts less)."""

from __future__ import annotations

import json

import pytest

from components.platform.catalog import SERVICES, Availability
from components.platform.checks.availability import AvailabilityError, check_availability, smallest_keeping
from components.platform.settings import parse_settings
from components.platform.topology import PROFILES, Topology

ZONES = {"zones": ["a", "b", "c"]}


def settings_for(topology: str, services: dict | None = None, **top: object):
    raw: dict[str, str] = {"topology": topology}
    cluster = dict(top.pop("cluster", {}))
    if topology == "prod":
        cluster = {**ZONES, **cluster}
    if cluster:
        raw["cluster"] = json.dumps(cluster)
    if services:
        raw["services"] = json.dumps(services)
    raw.update({key: json.dumps(value) for key, value in top.items()})
    return parse_settings(raw, stack=topology)


def problems(topology: str, services: dict | None = None, **top: object) -> list[str]:
    with pytest.raises(AvailabilityError) as caught:
        check_availability(settings_for(topology, services, **top))
    assert "nothing was deployed" in str(caught.value)
    return caught.value.problems


def only_problem(topology: str, services: dict | None = None, **top: object) -> str:
    found = problems(topology, services, **top)
    assert len(found) == 1, found
    return found[0]


ACCEPT = "or accept reduced availability with `pulumi config set --path cluster.accept_reduced_availability true`"


@pytest.mark.parametrize(
    ("topology", "services", "expected"),
    [
        ("staging", {"postgresql": {"replicas": 1}},
         "data-platform:services.postgresql.replicas = 1: losing one host takes 1 of 1 postgresql member(s) and with "
         "them every member (0 left, 1 needed). Fix: `pulumi config set --path 'services.postgresql.replicas' 2`; " + ACCEPT),
        ("staging", {"elasticsearch": {"replicas": 1}},
         "data-platform:services.elasticsearch.replicas = 1: losing one host takes 1 of 1 elasticsearch member(s) and "
         "with them its quorum (0 left, 1 needed). Fix: `pulumi config set --path 'services.elasticsearch.replicas' 3`; " + ACCEPT),
        ("prod", {"postgresql": {"replicas": 1}},
         "data-platform:services.postgresql.replicas = 1: losing one zone takes 1 of 1 postgresql member(s) and with "
         "them every member (0 left, 1 needed). Fix: `pulumi config set --path 'services.postgresql.replicas' 2`; " + ACCEPT),
        ("staging", {"zookeeper": {"replicas": 2}},
         "data-platform:services.zookeeper.replicas = 2: losing one host takes 1 of 2 zookeeper member(s) and with "
         "them its quorum (1 left, 2 needed). Fix: `pulumi config set --path 'services.zookeeper.replicas' 3`; " + ACCEPT),
        ("staging", {"superset_web": {"replicas": 1}},
         "data-platform:services.superset_web.replicas = 1: losing one host takes 1 of 1 superset_web member(s)"),
    ],
)
def test_settings_that_break_the_promise_are_refused(topology: str, services: dict, expected: str) -> None:
    assert only_problem(topology, services).startswith(expected)


def test_an_even_ensemble_is_refused_even_where_it_would_survive() -> None:
    assert "elasticsearch.replicas = 2: losing one host takes 1 of 2" in only_problem("staging", {"elasticsearch": {"replicas": 2}})
    assert only_problem("prod", {"zookeeper": {"replicas": 6}}).startswith(
        "data-platform:services.zookeeper.replicas = 6: an ensemble of 6 keeps quorum no better than 5"
    )


def test_no_quorum_survives_losing_one_of_two_hosts() -> None:
    found = problems("staging", cluster={"host_count": 2})
    quorum = [p for p in found if "elasticsearch.replicas" in p]
    assert quorum and "no member count survives losing one of 2 hosts: use 3 or more (cluster.host_count)" in quorum[0]


def test_every_problem_is_reported_at_once() -> None:
    assert len(problems("staging", {"postgresql": {"replicas": 1}, "zookeeper": {"replicas": 2}, "grafana": {"replicas": 1}})) == 3


def test_accepting_reduced_availability_deploys_and_reports_what_is_lost() -> None:
    settings = settings_for("staging", {"postgresql": {"replicas": 1}}, cluster={"accept_reduced_availability": True})
    report = check_availability(settings)
    assert report.reduced_accepted
    assert report.not_guaranteed["postgresql"] == "losing one host leaves 0 of 1: not guaranteed"
    assert report.as_output()["not_guaranteed"]["postgresql"].endswith("not guaranteed")
    # What no setting can accept stays refused: an even ensemble.
    with pytest.raises(AvailabilityError, match="an ensemble of 2"):
        check_availability(settings_for("staging", {"zookeeper": {"replicas": 2}}, cluster={"accept_reduced_availability": True}))


@pytest.mark.parametrize("topology", list(Topology))
def test_shipped_profiles_keep_their_promise(topology: Topology) -> None:
    for backend in ("minio", "seaweedfs"):
        report = check_availability(settings_for(str(topology), object_storage={"backend": backend}))
        single = {s.name for s in SERVICES if s.availability is Availability.SINGLE}
        expected = set() if topology is Topology.DEV else single
        assert set(report.not_guaranteed) == expected, report.not_guaranteed


def test_smallest_counts_that_keep_the_promise() -> None:
    assert [smallest_keeping(Availability.QUORUM, domains) for domains in (2, 3, 4, 5)] == [None, 3, 3, 3]
    assert [smallest_keeping(Availability.REDUNDANT, domains) for domains in (2, 3)] == [2, 2]


def test_every_service_states_its_rule_and_replicated_rules_have_the_members_to_keep_it() -> None:
    for spec in SERVICES:
        for topology in (Topology.STAGING, Topology.PROD):
            size = PROFILES[topology].services[spec.name]
            if spec.availability is Availability.QUORUM:
                assert size.replicas >= 3 and size.replicas % 2, (topology, spec.name)
            if spec.availability is Availability.REDUNDANT:
                assert size.replicas >= 2, (topology, spec.name)


# --- the object store's own arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "overrides", "expected"),
    [
        ("prod", {"minio": {"replicas": 3, "volumes_per_replica": 1}}, "services.minio: 3 server(s) × 1 drive(s) = 3 drives; erasure coding needs at least 4"),
        ("staging", {"minio": {"replicas": 17, "volumes_per_replica": 1}}, "services.minio: 17 drives cannot be split into erasure sets of 4 to 16"),
    ],
)
def test_minio_layouts_it_cannot_use_are_refused(stack: str, overrides: dict, expected: str) -> None:
    assert expected in only_problem(stack, overrides)


@pytest.mark.parametrize(
    ("stack", "overrides", "expected"),
    [
        ("staging", {"seaweedfs_master": {"replicas": 2}}, "services.seaweedfs_master.replicas = 2: losing one host takes 1 of 2"),
        ("staging", {"seaweedfs_filer": {"replicas": 1}}, "services.seaweedfs_filer.replicas = 1: losing one host takes 1 of 1"),
        ("staging", {"seaweedfs_volume": {"replicas": 4}}, "services.seaweedfs_volume.replicas: 4 volume servers on 3 hosts"),
        ("prod", {"seaweedfs_volume": {"replicas": 4}}, "services.seaweedfs_volume.replicas: 4 volume servers: they are placed per zone"),
    ],
)
def test_seaweedfs_layouts_that_cannot_survive_are_refused(stack: str, overrides: dict, expected: str) -> None:
    found = problems(stack, overrides, object_storage={"backend": "seaweedfs"})
    assert any(expected in problem for problem in found), found


@pytest.mark.parametrize("backend", ["minio", "seaweedfs", "external"])
@pytest.mark.parametrize("topology", ["dev", "staging", "prod"])
def test_the_object_store_is_planned_once(topology: str, backend: str) -> None:
    raw = {"topology": topology, "object_storage": json.dumps({"backend": backend})}
    if backend == "external":
        raw["object_storage"] = json.dumps({"backend": "external", "external_endpoint": "https://s3.example.com"})
    if topology == "prod":
        raw["cluster"] = json.dumps(ZONES)
    keys = {"object_storage_access_key", "object_storage_secret_key"} if backend == "external" else set()
    raw.update({key: "x" for key in keys})
    storage = check_availability(parse_settings(raw, stack=topology, secret_keys=keys)).storage
    assert (storage.erasure is not None) == (backend == "minio")
    assert (storage.replication is not None) == (backend == "seaweedfs")
