"""The models of a topology: service sizes, host layouts, the rules a layout must follow, profiles.

Units are in the names: `_millis` is millicores, `_mib` is MiB (2**20 bytes), `_gib` is GiB.
"""

from __future__ import annotations

import enum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

HOSTNAME_KEY = "kubernetes.io/hostname"
ZONE_KEY = "topology.kubernetes.io/zone"

PositiveInt = Annotated[int, Field(ge=1)]

JVM_OVERHEAD_MIB = 256
"""Metaspace, thread stacks and code cache: memory a JVM uses beyond heap and direct memory."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Topology(enum.StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class FailureDomain(enum.StrEnum):
    """The largest failure a topology must survive with every service still available."""

    NONE = "none"
    HOST = "host"
    ZONE = "zone"


class ServiceSize(_Strict):
    """How big one service is in one topology. All sizes are per replica."""

    replicas: PositiveInt
    """Pods (or, for job slots, concurrent pods). Per-host services run one pod per host and ignore it."""
    max_replicas: PositiveInt | None = None
    """Upper bound for a HorizontalPodAutoscaler; stateless services only. None or equal to `replicas`: no HPA."""
    cpu_request_millis: PositiveInt
    cpu_limit_millis: PositiveInt
    memory_request_mib: PositiveInt
    memory_limit_mib: PositiveInt
    storage_gib: PositiveInt | None = None
    """Persistent volume size per volume; required for stateful services."""
    volumes_per_replica: PositiveInt = 1
    """Data volumes per replica (object-storage drives per server)."""
    jvm_heap_mib: PositiveInt | None = None
    """-Xmx for JVM services; must leave room below `memory_limit_mib` for off-heap memory."""
    jvm_direct_memory_mib: PositiveInt | None = None
    """-XX:MaxDirectMemorySize where the service uses it heavily (Dremio)."""

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Self:
        if self.cpu_limit_millis < self.cpu_request_millis:
            raise ValueError(
                f"cpu_limit_millis ({self.cpu_limit_millis}) is below cpu_request_millis "
                f"({self.cpu_request_millis}); raise the limit or lower the request"
            )
        if self.memory_limit_mib < self.memory_request_mib:
            raise ValueError(
                f"memory_limit_mib ({self.memory_limit_mib}) is below memory_request_mib "
                f"({self.memory_request_mib}); raise the limit or lower the request"
            )
        if self.max_replicas is not None and self.max_replicas < self.replicas:
            raise ValueError(
                f"max_replicas ({self.max_replicas}) is below replicas ({self.replicas}); "
                "set max_replicas to at least replicas"
            )
        jvm_total = (self.jvm_heap_mib or 0) + (self.jvm_direct_memory_mib or 0)
        # A JVM that reaches the cgroup limit is OOM-killed without a Java stack trace, so the limit must
        # cover everything the JVM maps, not only the heap.
        if jvm_total and jvm_total + JVM_OVERHEAD_MIB > self.memory_limit_mib:
            direct = self.jvm_direct_memory_mib or 0
            parts = f"jvm_heap_mib {self.jvm_heap_mib}" + (f" + jvm_direct_memory_mib {direct}" if direct else "")
            largest_heap = self.memory_limit_mib - direct - JVM_OVERHEAD_MIB
            lower = (
                f"lower jvm_heap_mib to at most {largest_heap}"
                if largest_heap >= 64
                else "lower jvm_direct_memory_mib"
            )
            raise ValueError(
                f"{parts} + {JVM_OVERHEAD_MIB} MiB JVM overhead = {jvm_total + JVM_OVERHEAD_MIB} MiB does not fit in "
                f"memory_limit_mib {self.memory_limit_mib} (the container would be OOM-killed). Fix: {lower}, or raise "
                f"memory_limit_mib to at least {jvm_total + JVM_OVERHEAD_MIB}"
            )
        return self

    @property
    def autoscaled(self) -> bool:
        return self.max_replicas is not None and self.max_replicas > self.replicas


class ClusterShape(_Strict):
    """The hosts a topology runs on."""

    host_count: PositiveInt
    host_memory_mib: PositiveInt
    host_cpu_millis: PositiveInt
    reserved_memory_mib: Annotated[int, Field(ge=0)]
    """Memory per host kept back for the OS, kubelet and container runtime (not allocatable)."""
    reserved_cpu_millis: Annotated[int, Field(ge=0)]
    zones: tuple[str, ...] = ()
    """Zone names (values of topology.kubernetes.io/zone). Empty: one unnamed zone."""

    @model_validator(mode="after")
    def _reservations_leave_room(self) -> Self:
        if self.reserved_memory_mib >= self.host_memory_mib:
            raise ValueError(
                f"reserved_memory_mib ({self.reserved_memory_mib}) leaves nothing of host_memory_mib "
                f"({self.host_memory_mib})"
            )
        if self.reserved_cpu_millis >= self.host_cpu_millis:
            raise ValueError(
                f"reserved_cpu_millis ({self.reserved_cpu_millis}) leaves nothing of host_cpu_millis "
                f"({self.host_cpu_millis})"
            )
        if len(set(self.zones)) != len(self.zones):
            raise ValueError(f"zones contains duplicates: {list(self.zones)}")
        return self

    @property
    def allocatable_memory_mib(self) -> int:
        return self.host_memory_mib - self.reserved_memory_mib

    @property
    def allocatable_cpu_millis(self) -> int:
        return self.host_cpu_millis - self.reserved_cpu_millis

    @property
    def zone_count(self) -> int:
        return max(1, len(self.zones))

    @property
    def hosts_per_zone(self) -> int:
        return self.host_count // self.zone_count


class TopologyRules(_Strict):
    """What makes a cluster shape acceptable for a topology; checked after overrides."""

    min_hosts: PositiveInt
    max_hosts: PositiveInt | None
    min_zones: Annotated[int, Field(ge=0)]


class Profile(_Strict):
    topology: Topology
    failure_domain: FailureDomain
    spread_topology_keys: tuple[str, ...]
    """Keys replicas are spread over, widest first. Empty on a single host."""
    rules: TopologyRules
    cluster: ClusterShape
    storage_class: str | None = None
    """StorageClass for every PVC; None uses the cluster's default class."""
    services: dict[str, ServiceSize]

    @property
    def failure_domain_count(self) -> int:
        """How many hosts or zones replicas are spread over (1: nothing to survive)."""
        return {
            FailureDomain.NONE: 1,
            FailureDomain.HOST: self.cluster.host_count,
            FailureDomain.ZONE: self.cluster.zone_count,
        }[self.failure_domain]
