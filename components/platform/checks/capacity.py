"""Capacity check: do the requested resources fit the declared hosts, also after the failure the topology
must survive?

It runs at program start, before any resource is declared, on the resolved profile:

* every pod must fit on one host (after that host's reserved resources and its per-host agents);
* for each scenario (all hosts up; one host lost for a `host` failure domain; one zone lost for a
  `zone` failure domain), the pods are packed first-fit-decreasing onto the surviving hosts.

Assumptions, stated so the numbers can be judged: every pod of a lost host or zone is counted again on
the survivors (conservative: stateful members whose volumes are pinned to the lost domain would in
reality stay pending rather than use capacity); autoscaled services count at their minimum replicas,
and the report also gives the demand at their maximum; job slots count as always running.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from components.platform.catalog import SERVICES_BY_NAME, Placement, ServiceSpec
from components.platform.errors import ConfigurationError
from components.platform.settings import PlatformSettings
from components.platform.topology import FailureDomain, Profile

TOP_SERVICES_IN_MESSAGES = 5


class CapacityError(ConfigurationError):
    """The topology does not fit its hosts. Raised before any resource is declared."""


@dataclass(frozen=True)
class Pod:
    service: str
    cpu_millis: int
    memory_mib: int


@dataclass(frozen=True)
class Scenario:
    name: str
    hosts: int
    allocatable_cpu_millis: int
    allocatable_memory_mib: int
    requested_cpu_millis: int
    requested_memory_mib: int
    unplaced: tuple[Pod, ...]
    """Pods the first-fit-decreasing packing could not place on any surviving host."""

    @property
    def headroom_cpu_millis(self) -> int:
        return self.allocatable_cpu_millis - self.requested_cpu_millis

    @property
    def headroom_memory_mib(self) -> int:
        return self.allocatable_memory_mib - self.requested_memory_mib

    @property
    def fits(self) -> bool:
        return self.headroom_cpu_millis >= 0 and self.headroom_memory_mib >= 0 and not self.unplaced

    def as_dict(self) -> dict[str, object]:
        return {
            "scenario": self.name,
            "hosts": self.hosts,
            "allocatable_cpu_millis": self.allocatable_cpu_millis,
            "allocatable_memory_mib": self.allocatable_memory_mib,
            "requested_cpu_millis": self.requested_cpu_millis,
            "requested_memory_mib": self.requested_memory_mib,
            "headroom_cpu_millis": self.headroom_cpu_millis,
            "headroom_memory_mib": self.headroom_memory_mib,
            "headroom_cpu_percent": _percent(self.headroom_cpu_millis, self.allocatable_cpu_millis),
            "headroom_memory_percent": _percent(self.headroom_memory_mib, self.allocatable_memory_mib),
            "fits": self.fits,
        }


@dataclass(frozen=True)
class CapacityReport:
    topology: str
    per_host_agents_cpu_millis: int
    per_host_agents_memory_mib: int
    scenarios: tuple[Scenario, ...]
    autoscaled_peak_cpu_millis: int
    autoscaled_peak_memory_mib: int
    """Requests of the whole platform when every autoscaled service is at its maximum (all hosts up)."""
    allocatable_cpu_millis: int
    allocatable_memory_mib: int
    """What all hosts offer pods, per-host agents included (the peak and the limits are counted against it)."""
    limits_memory_mib: int
    """The memory limits of every pod added up (all hosts up): what the platform could use, not what it asks."""
    totals_by_service: dict[str, tuple[int, int]]
    """service → (cpu millis, memory MiB) requested by all its pods."""

    @property
    def fits(self) -> bool:
        return all(scenario.fits for scenario in self.scenarios)

    def as_output(self) -> dict[str, object]:
        return {
            "topology": self.topology,
            "fits": self.fits,
            "per_host_agents": {
                "cpu_millis": self.per_host_agents_cpu_millis,
                "memory_mib": self.per_host_agents_memory_mib,
            },
            "scenarios": [scenario.as_dict() for scenario in self.scenarios],
            "autoscaled_peak": {
                "requested_cpu_millis": self.autoscaled_peak_cpu_millis,
                "requested_memory_mib": self.autoscaled_peak_memory_mib,
                "allocatable_cpu_millis": self.allocatable_cpu_millis,
                "allocatable_memory_mib": self.allocatable_memory_mib,
                "headroom_cpu_percent": _percent(
                    self.allocatable_cpu_millis - self.autoscaled_peak_cpu_millis, self.allocatable_cpu_millis
                ),
                "headroom_memory_percent": _percent(
                    self.allocatable_memory_mib - self.autoscaled_peak_memory_mib, self.allocatable_memory_mib
                ),
            },
            "memory_limits": {
                "limits_mib": self.limits_memory_mib,
                "allocatable_mib": self.allocatable_memory_mib,
                "percent_of_allocatable": _percent(self.limits_memory_mib, self.allocatable_memory_mib),
            },
        }


def plan_capacity(profile: Profile, services: Iterable[ServiceSpec]) -> CapacityReport:
    """The capacity report of a resolved profile for the deployed `services`; never raises for a misfit."""
    cluster = profile.cluster
    agents_cpu = agents_memory = 0
    pods: list[Pod] = []
    peak_cpu = peak_memory = limits_memory = 0
    totals: dict[str, tuple[int, int]] = {}
    for spec in services:
        name, placement = spec.name, spec.placement
        size = profile.services[name]
        if placement is Placement.PER_HOST:
            agents_cpu += size.cpu_request_millis
            agents_memory += size.memory_request_mib
            totals[name] = (size.cpu_request_millis * cluster.host_count, size.memory_request_mib * cluster.host_count)
            limits_memory += size.memory_limit_mib * cluster.host_count
            continue
        count = size.replicas * spec.pods_per_replica
        pods += [Pod(name, size.cpu_request_millis, size.memory_request_mib)] * count
        peak = (size.max_replicas if size.autoscaled else size.replicas) or size.replicas
        peak_cpu += size.cpu_request_millis * peak * spec.pods_per_replica
        peak_memory += size.memory_request_mib * peak * spec.pods_per_replica
        totals[name] = (size.cpu_request_millis * count, size.memory_request_mib * count)
        limits_memory += size.memory_limit_mib * count

    host_cpu = cluster.allocatable_cpu_millis - agents_cpu
    host_memory = cluster.allocatable_memory_mib - agents_memory
    scenarios = [_scenario("all hosts up", cluster.host_count, host_cpu, host_memory, pods)]
    if profile.failure_domain is FailureDomain.HOST:
        scenarios.append(_scenario("one host lost", cluster.host_count - 1, host_cpu, host_memory, pods))
    elif profile.failure_domain is FailureDomain.ZONE:
        scenarios.append(
            _scenario("one zone lost", cluster.host_count - cluster.hosts_per_zone, host_cpu, host_memory, pods)
        )
    return CapacityReport(
        topology=str(profile.topology),
        per_host_agents_cpu_millis=agents_cpu,
        per_host_agents_memory_mib=agents_memory,
        scenarios=tuple(scenarios),
        autoscaled_peak_cpu_millis=peak_cpu + agents_cpu * cluster.host_count,
        autoscaled_peak_memory_mib=peak_memory + agents_memory * cluster.host_count,
        allocatable_cpu_millis=cluster.allocatable_cpu_millis * cluster.host_count,
        allocatable_memory_mib=cluster.allocatable_memory_mib * cluster.host_count,
        limits_memory_mib=limits_memory,
        totals_by_service=totals,
    )


def check_capacity(settings: PlatformSettings) -> CapacityReport:
    """The capacity report of the stack; raises CapacityError naming the shortfall and the largest consumers."""
    profile, stack = settings.profile, settings.stack
    report = plan_capacity(profile, settings.active_services)
    problems = _oversized_pods(profile, report) + [
        _misfit_message(report, scenario) for scenario in report.scenarios if not scenario.fits
    ]
    if problems:
        body = "\n".join(f"  - {problem}" for problem in problems)
        raise CapacityError(
            f"stack {stack!r}: the {profile.topology} topology does not fit its hosts; nothing was deployed.\n"
            f"{body}\n"
            "Fix: add hosts (cluster.host_count), use larger hosts (cluster.host_memory_mib, "
            "cluster.host_cpu_millis), or lower services.<name>.replicas / *_request_* for the services above.",
            problems,
        )
    return report


def _scenario(name: str, hosts: int, host_cpu: int, host_memory: int, pods: list[Pod]) -> Scenario:
    free = [[host_cpu, host_memory] for _ in range(hosts)]
    unplaced = []
    for pod in sorted(pods, key=lambda pod: (pod.memory_mib, pod.cpu_millis), reverse=True):
        host = next((h for h in free if h[0] >= pod.cpu_millis and h[1] >= pod.memory_mib), None)
        if host is None:
            unplaced.append(pod)
            continue
        host[0] -= pod.cpu_millis
        host[1] -= pod.memory_mib
    return Scenario(
        name=name,
        hosts=hosts,
        allocatable_cpu_millis=host_cpu * hosts,
        allocatable_memory_mib=host_memory * hosts,
        requested_cpu_millis=sum(pod.cpu_millis for pod in pods),
        requested_memory_mib=sum(pod.memory_mib for pod in pods),
        unplaced=tuple(unplaced),
    )


def _oversized_pods(profile: Profile, report: CapacityReport) -> list[str]:
    cluster = profile.cluster
    host_cpu = cluster.allocatable_cpu_millis - report.per_host_agents_cpu_millis
    host_memory = cluster.allocatable_memory_mib - report.per_host_agents_memory_mib
    problems = []
    for name in report.totals_by_service:
        size = profile.services[name]
        if SERVICES_BY_NAME[name].placement is Placement.PER_HOST:
            continue
        if size.memory_request_mib > host_memory:
            problems.append(
                f"services.{name}.memory_request_mib = {size.memory_request_mib:,}: one pod asks for more memory "
                f"than a host can give ({host_memory:,} MiB after reserved memory and per-host agents), "
                f"so it would never be scheduled"
            )
        if size.cpu_request_millis > host_cpu:
            problems.append(
                f"services.{name}.cpu_request_millis = {size.cpu_request_millis:,}: one pod asks for more CPU "
                f"than a host can give ({host_cpu:,} m after reserved CPU and per-host agents), "
                f"so it would never be scheduled"
            )
    return problems


def _misfit_message(report: CapacityReport, scenario: Scenario) -> str:
    parts = []
    if scenario.headroom_memory_mib < 0:
        parts.append(
            f"memory: {scenario.requested_memory_mib:,} MiB requested, {scenario.allocatable_memory_mib:,} MiB "
            f"allocatable, {-scenario.headroom_memory_mib:,} MiB short"
        )
    if scenario.headroom_cpu_millis < 0:
        parts.append(
            f"cpu: {scenario.requested_cpu_millis:,} m requested, {scenario.allocatable_cpu_millis:,} m "
            f"allocatable, {-scenario.headroom_cpu_millis:,} m short"
        )
    if scenario.unplaced and not parts:
        sample = ", ".join(sorted({pod.service for pod in scenario.unplaced}))
        parts.append(
            f"the totals fit, but {len(scenario.unplaced)} pod(s) of {sample} find no host with enough free "
            "memory and CPU left (fragmentation)"
        )
    memory_short = scenario.headroom_memory_mib < 0 or scenario.headroom_cpu_millis >= 0
    index = 1 if memory_short else 0
    unit = "MiB" if memory_short else "m"
    largest = sorted(report.totals_by_service.items(), key=lambda item: item[1][index], reverse=True)
    dominant = ", ".join(f"{name} {totals[index]:,} {unit}" for name, totals in largest[:TOP_SERVICES_IN_MESSAGES])
    return f"{scenario.name} ({scenario.hosts} host(s)): {'; '.join(parts)}. Largest requests: {dominant}"


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0
