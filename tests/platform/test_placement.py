"""The placement check: object-storage layouts that would not survive the topology's failure are refused at
start-up, naming the setting, before anything is declared."""

from __future__ import annotations

import json

import pytest

from components.platform.checks.placement import PlacementError, check_placement
from components.platform.settings import parse_settings


def only_problem(raw: dict[str, object]) -> str:
    config = {key: value if isinstance(value, str) else json.dumps(value) for key, value in raw.items()}
    settings = parse_settings(config, stack="test")
    with pytest.raises(PlacementError) as caught:
        check_placement(settings)
    assert "nothing was deployed" in str(caught.value)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


@pytest.mark.parametrize(
    ("stack", "overrides", "expected"),
    [
        ("prod", {"minio": {"replicas": 3, "volumes_per_replica": 1}}, "services.minio: 3 server(s) × 1 drive(s) = 3 drives; erasure coding needs at least 4"),
        ("staging", {"minio": {"replicas": 17, "volumes_per_replica": 1}}, "services.minio: 17 drives cannot be split into erasure sets of 4 to 16"),
    ],
)
def test_minio_layouts_that_cannot_survive_are_refused(stack: str, overrides: dict, expected: str) -> None:
    raw = {"topology": stack, "services": overrides}
    if stack == "prod":
        raw["cluster"] = {"zones": ["a", "b", "c"]}
    assert expected in only_problem(raw)


@pytest.mark.parametrize(
    ("stack", "overrides", "expected"),
    [
        ("staging", {"seaweedfs_master": {"replicas": 2}}, "services.seaweedfs_master.replicas: 2 masters: raft needs an odd number"),
        ("staging", {"seaweedfs_filer": {"replicas": 1}}, "services.seaweedfs_filer.replicas: 1 filer: S3 would stop"),
        ("staging", {"seaweedfs_volume": {"replicas": 4}}, "services.seaweedfs_volume.replicas: 4 volume servers on 3 hosts"),
        ("prod", {"seaweedfs_volume": {"replicas": 4}}, "services.seaweedfs_volume.replicas: 4 volume servers: they are placed per zone"),
    ],
)
def test_seaweedfs_layouts_that_cannot_survive_are_refused(stack: str, overrides: dict, expected: str) -> None:
    raw = {"topology": stack, "services": overrides, "object_storage": {"backend": "seaweedfs"}}
    if stack == "prod":
        raw["cluster"] = {"zones": ["a", "b", "c"]}
    assert expected in only_problem(raw)




@pytest.mark.parametrize("backend", ["minio", "seaweedfs", "external"])
@pytest.mark.parametrize("topology", ["dev", "staging", "prod"])
def test_shipped_layouts_are_planned_once(topology: str, backend: str) -> None:
    raw = {"topology": topology, "object_storage": json.dumps({"backend": backend})}
    if backend == "external":
        raw["object_storage"] = json.dumps({"backend": "external", "external_endpoint": "https://s3.example.com"})
    if topology == "prod":
        raw["cluster"] = json.dumps({"zones": ["a", "b", "c"]})
    keys = {"object_storage_access_key", "object_storage_secret_key"} if backend == "external" else set()
    raw.update({key: "x" for key in keys})
    placement = check_placement(parse_settings(raw, stack=topology, secret_keys=keys))
    assert (placement.erasure is not None) == (backend == "minio")
    assert (placement.replication is not None) == (backend == "seaweedfs")
