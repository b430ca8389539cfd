"""The capacity check's arithmetic, its verdicts and its messages."""

from __future__ import annotations

import json

import pytest

from components.platform import checks
from components.platform.catalog import Placement
from components.platform.checks.capacity import CapacityError, check_capacity
from components.platform.topology import FailureDomain
from offline.graph import StackGraph, unwrap_secrets
from tests.support.stacks import report_of, shipped_profile, shipped_settings


def test_shipped_stacks_fit_their_hosts_after_their_failure(stack: str) -> None:
    profile = shipped_profile(stack)
    report = check_capacity(shipped_settings(stack))
    expected_scenarios = {
        FailureDomain.NONE: ["all hosts up"],
        FailureDomain.HOST: ["all hosts up", "one host lost"],
        FailureDomain.ZONE: ["all hosts up", "one zone lost"],
    }[profile.failure_domain]
    assert [scenario.name for scenario in report.scenarios] == expected_scenarios
    assert report.fits


@pytest.mark.parametrize("backend", ["minio", "seaweedfs"])
def test_arithmetic_matches_a_hand_count(stack: str, backend: str) -> None:
    settings = shipped_settings(stack, object_storage={"backend": backend})
    profile = settings.profile
    cluster = profile.cluster
    deployed = {spec.name: spec for spec in settings.active_services}
    sizes = {name: size for name, size in profile.services.items() if name in deployed}
    agents = [size for name, size in sizes.items() if deployed[name].placement is Placement.PER_HOST]
    pods = [
        (size, deployed[name].pods_per_replica)
        for name, size in sizes.items()
        if deployed[name].placement is not Placement.PER_HOST
    ]
    per_host_memory = cluster.host_memory_mib - cluster.reserved_memory_mib - sum(a.memory_request_mib for a in agents)
    per_host_cpu = cluster.host_cpu_millis - cluster.reserved_cpu_millis - sum(a.cpu_request_millis for a in agents)
    requested_memory = sum(size.replicas * per * size.memory_request_mib for size, per in pods)
    requested_cpu = sum(size.replicas * per * size.cpu_request_millis for size, per in pods)
    surviving = {
        FailureDomain.NONE: cluster.host_count,
        FailureDomain.HOST: cluster.host_count - 1,
        FailureDomain.ZONE: cluster.host_count - cluster.host_count // len(cluster.zones or [None]),
    }[profile.failure_domain]

    worst = report_of(settings).scenarios[-1]
    assert worst.hosts == surviving
    assert worst.allocatable_memory_mib == per_host_memory * surviving
    assert worst.allocatable_cpu_millis == per_host_cpu * surviving
    assert worst.requested_memory_mib == requested_memory
    assert worst.requested_cpu_millis == requested_cpu
    assert worst.headroom_memory_mib == per_host_memory * surviving - requested_memory


def test_the_report_is_a_stack_output(graph: StackGraph, stack: str) -> None:
    exported = unwrap_secrets(graph.outputs["capacity"])
    expected = checks.run(shipped_settings(stack)).as_output()
    assert json.loads(json.dumps(exported)) == json.loads(json.dumps(expected))
    assert exported["fits"] is True


def test_losing_a_zone_in_prod_loses_a_third_of_the_hosts() -> None:
    report = report_of(shipped_settings("prod"))
    all_up, zone_lost = report.scenarios
    assert (all_up.hosts, zone_lost.hosts) == (9, 6)


def test_overcommitted_cpu_names_the_shortfall_in_millicores() -> None:
    # 6 executors of 4 CPU instead of 3 of 2: 18,000 m more than the shipped 34,100 m.
    settings = shipped_settings("prod", services={"dremio_executor": {"replicas": 6, "cpu_request_millis": 4000}})
    shipped = report_of(shipped_settings("prod")).scenarios[-1]
    with pytest.raises(CapacityError) as caught:
        check_capacity(settings)
    message = str(caught.value)
    requested = shipped.requested_cpu_millis + 18_000
    assert (
        f"one zone lost (6 host(s)): cpu: {requested:,} m requested, {shipped.allocatable_cpu_millis:,} m allocatable, "
        f"{requested - shipped.allocatable_cpu_millis:,} m short."
    ) in message
    assert "memory:" not in message.split("one zone lost")[1].split("Largest")[0]
    assert "Largest requests: dremio_executor 24,000 m, " in message
    assert "all hosts up" not in message
    assert message.endswith(
        "Fix: add hosts (cluster.host_count), use larger hosts (cluster.host_memory_mib, "
        "cluster.host_cpu_millis), or lower services.<name>.replicas / *_request_* for the services above."
    )


def test_a_pod_larger_than_any_host_is_named() -> None:
    settings = shipped_settings(
        "dev", services={"dremio_executor": {"memory_request_mib": 9000, "memory_limit_mib": 9000}}
    )
    with pytest.raises(CapacityError) as caught:
        check_capacity(settings)
    assert (
        "services.dremio_executor.memory_request_mib = 9,000: one pod asks for more memory than a host can give "
        "(7,608 MiB after reserved memory and per-host agents), so it would never be scheduled"
    ) in str(caught.value)


def test_fragmentation_is_caught_even_when_the_totals_fit() -> None:
    # Two hosts with 15,168 MiB free each (after agents): three 8,192 MiB executors fit in the total
    # (24,576 < 30,336) but never on two hosts, one of which must hold two of them.
    settings = shipped_settings(
        "staging",
        services={
            "dremio_executor": {"replicas": 3, "memory_request_mib": 8192, "memory_limit_mib": 8192},
            "airbyte_jobs": {"replicas": 1},
        },
    )
    one_host_lost = report_of(settings).scenarios[-1]
    assert not one_host_lost.fits
    with pytest.raises(CapacityError, match="fragmentation|short"):
        check_capacity(settings)


def test_autoscaling_peak_counts_maximum_replicas() -> None:
    settings = shipped_settings("prod")
    profile = settings.profile
    report = report_of(settings)
    extra = sum(
        (size.max_replicas - size.replicas) * size.memory_request_mib
        for name, size in profile.services.items()
        if size.autoscaled and name in {spec.name for spec in settings.active_services}
    )
    assert extra > 0
    assert report.autoscaled_peak_memory_mib == report.scenarios[0].requested_memory_mib + extra + (
        report.per_host_agents_memory_mib * profile.cluster.host_count
    )


def test_the_memory_limits_and_the_autoscaled_peak_are_reported_against_allocatable() -> None:
    settings = shipped_settings("dev")
    report = report_of(settings)
    cluster = settings.cluster
    limits = sum(
        size.memory_limit_mib * (cluster.host_count if spec.placement is Placement.PER_HOST else size.replicas * spec.pods_per_replica)
        for spec in settings.active_services
        for size in [settings.services[spec.name]]
    )
    output = report.as_output()
    assert output["memory_limits"] == {
        "limits_mib": limits,
        "allocatable_mib": cluster.allocatable_memory_mib * cluster.host_count,
        "percent_of_allocatable": round(100 * limits / (cluster.allocatable_memory_mib * cluster.host_count), 1),
    }
    assert limits > cluster.host_memory_mib * 2, "dev's limits add up to more than twice its host: burstable by design"
    peak = output["autoscaled_peak"]
    assert peak["allocatable_memory_mib"] == cluster.allocatable_memory_mib * cluster.host_count
    assert peak["headroom_memory_percent"] == round(
        100 * (peak["allocatable_memory_mib"] - peak["requested_memory_mib"]) / peak["allocatable_memory_mib"], 1
    )

