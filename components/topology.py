"""The topology table: every number that differs between dev, staging and prod.

A stack picks one profile with its `topology` setting. A profile carries the host layout, the failure it
must survive, the spread keys, and per service: replicas, CPU and memory requests and limits, storage and
JVM heap. Stack config may override any of these numbers (`cluster`, `services.<name>.<field>`); the
result is validated by the models below, so an override gets the same checks as the table itself.

Units are in the names: `_millis` is millicores, `_mib` is MiB (2**20 bytes), `_gib` is GiB.
"""

from __future__ import annotations

import enum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from components.catalog import SERVICES, Placement, ServiceSpec

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
            raise ValueError(
                f"JVM heap + direct memory ({jvm_total} MiB) + {JVM_OVERHEAD_MIB} MiB overhead exceeds "
                f"memory_limit_mib ({self.memory_limit_mib}); lower the heap or raise the limit"
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


def _size(
    replicas: int,
    cpu: tuple[int, int],
    memory: tuple[int, int],
    *,
    storage_gib: int | None = None,
    volumes: int = 1,
    heap: int | None = None,
    direct: int | None = None,
    max_replicas: int | None = None,
) -> ServiceSize:
    """Compact row builder for the table below: cpu and memory are (request, limit)."""
    return ServiceSize(
        replicas=replicas,
        max_replicas=max_replicas,
        cpu_request_millis=cpu[0],
        cpu_limit_millis=cpu[1],
        memory_request_mib=memory[0],
        memory_limit_mib=memory[1],
        storage_gib=storage_gib,
        volumes_per_replica=volumes,
        jvm_heap_mib=heap,
        jvm_direct_memory_mib=direct,
    )


# dev: the whole platform on one 8 GiB / 4 CPU host, as the architecture documents. Requests are kept
# small and limits higher (burstable), because on one host nothing needs to be guaranteed against
# neighbours; the capacity check counts requests.
DEV = Profile(
    topology=Topology.DEV,
    failure_domain=FailureDomain.NONE,
    spread_topology_keys=(),
    rules=TopologyRules(min_hosts=1, max_hosts=1, min_zones=0),
    cluster=ClusterShape(
        host_count=1, host_memory_mib=8192, host_cpu_millis=4000, reserved_memory_mib=512, reserved_cpu_millis=250
    ),
    services={
        "airbyte_server": _size(1, (100, 1000), (384, 1024)),
        "airbyte_worker": _size(1, (100, 1000), (256, 768)),
        "airbyte_workload_launcher": _size(1, (50, 500), (128, 384)),
        "airbyte_workload_api": _size(1, (50, 500), (128, 384)),
        "airbyte_cron": _size(1, (25, 250), (96, 256)),
        "airbyte_temporal": _size(1, (100, 1000), (256, 512)),
        "airbyte_jobs": _size(1, (200, 2000), (768, 1536)),
        "minio": _size(1, (100, 1000), (192, 512), storage_gib=20),
        "seaweedfs_master": _size(1, (25, 250), (64, 256), storage_gib=1),
        "seaweedfs_volume": _size(1, (100, 1000), (192, 512), storage_gib=20),
        "seaweedfs_filer": _size(1, (50, 500), (128, 512), storage_gib=2),
        "postgresql": _size(1, (100, 1000), (192, 512), storage_gib=5),
        "elasticsearch": _size(1, (200, 1000), (768, 1024), storage_gib=10, heap=512),
        "storage_setup": _size(1, (25, 250), (64, 128)),
        "dremio_coordinator": _size(1, (250, 2000), (1024, 2048), storage_gib=5, heap=1024, direct=512),
        "dremio_executor": _size(1, (250, 2000), (1280, 2048), storage_gib=10, heap=768, direct=1024),
        "zookeeper": _size(1, (25, 250), (96, 384), storage_gib=1, heap=96),
        "dbt": _size(1, (100, 1000), (192, 512)),
        "superset_web": _size(1, (100, 1000), (320, 1024)),
        "superset_worker": _size(1, (50, 1000), (192, 768)),
        "valkey": _size(1, (25, 250), (48, 128), storage_gib=1),
        "prometheus": _size(1, (100, 1000), (320, 768), storage_gib=10),
        "alertmanager": _size(1, (10, 100), (32, 64), storage_gib=1),
        "grafana": _size(1, (25, 500), (96, 256)),
        "kube_state_metrics": _size(1, (10, 100), (48, 128)),
        "node_exporter": _size(1, (10, 100), (24, 64)),
        "log_agent": _size(1, (25, 250), (48, 128)),
        "cnpg_operator": _size(1, (25, 250), (64, 256)),
        "eck_operator": _size(1, (50, 500), (96, 384)),
        "cert_manager": _size(1, (10, 200), (48, 128)),
        "barman_cloud_plugin": _size(1, (25, 250), (64, 256)),
    },
)

# staging: 3 hosts of 16 GiB / 8 CPU that must keep every service up after losing any one host, so the
# requests must fit on two of them. Everything user-facing or quorum-based has at least two members.
STAGING = Profile(
    topology=Topology.STAGING,
    failure_domain=FailureDomain.HOST,
    spread_topology_keys=(HOSTNAME_KEY,),
    rules=TopologyRules(min_hosts=2, max_hosts=3, min_zones=0),
    cluster=ClusterShape(
        host_count=3, host_memory_mib=16384, host_cpu_millis=8000, reserved_memory_mib=1024, reserved_cpu_millis=400
    ),
    services={
        "airbyte_server": _size(2, (250, 1000), (512, 1024)),
        "airbyte_worker": _size(2, (250, 1000), (512, 1024)),
        "airbyte_workload_launcher": _size(1, (100, 500), (256, 512)),
        "airbyte_workload_api": _size(2, (100, 500), (256, 512)),
        "airbyte_cron": _size(1, (50, 250), (192, 384)),
        "airbyte_temporal": _size(1, (250, 1000), (512, 1024)),
        "airbyte_jobs": _size(2, (500, 2000), (1024, 2048)),
        "minio": _size(3, (250, 1000), (512, 1024), storage_gib=50, volumes=2),
        "seaweedfs_master": _size(3, (50, 500), (128, 256), storage_gib=2),
        "seaweedfs_volume": _size(3, (250, 1000), (512, 1024), storage_gib=50, volumes=2),
        "seaweedfs_filer": _size(2, (100, 1000), (256, 512), storage_gib=5),
        "postgresql": _size(2, (500, 2000), (1536, 1536), storage_gib=50),
        "elasticsearch": _size(3, (500, 2000), (1280, 1280), storage_gib=50, heap=640),
        "storage_setup": _size(1, (50, 250), (64, 128)),
        "dremio_coordinator": _size(1, (1000, 4000), (3072, 3072), storage_gib=20, heap=1536, direct=1024),
        "dremio_executor": _size(2, (1000, 4000), (3584, 3584), storage_gib=50, heap=1280, direct=1792),
        "zookeeper": _size(3, (100, 500), (192, 512), storage_gib=2, heap=128),
        "dbt": _size(1, (250, 1000), (512, 1024)),
        "superset_web": _size(2, (250, 1000), (512, 1024)),
        "superset_worker": _size(1, (250, 1000), (512, 1024)),
        "valkey": _size(1, (50, 250), (128, 256), storage_gib=2),
        "prometheus": _size(1, (250, 1000), (1024, 2048), storage_gib=30),
        "alertmanager": _size(1, (25, 100), (64, 128), storage_gib=1),
        "grafana": _size(1, (50, 500), (192, 384)),
        "kube_state_metrics": _size(1, (25, 200), (96, 192)),
        "node_exporter": _size(1, (25, 200), (32, 64)),
        "log_agent": _size(1, (50, 500), (64, 192)),
        "cnpg_operator": _size(1, (50, 500), (128, 256)),
        "eck_operator": _size(1, (100, 1000), (192, 512)),
        "cert_manager": _size(1, (25, 250), (64, 192)),
        "barman_cloud_plugin": _size(1, (50, 500), (64, 256)),
    },
)

# prod: three zones (names are stack config), three 8 CPU / 32 GiB hosts each by default, sized to keep
# everything up after losing a whole zone: the requests must fit on the six hosts of the other two zones.
PROD = Profile(
    topology=Topology.PROD,
    failure_domain=FailureDomain.ZONE,
    spread_topology_keys=(ZONE_KEY, HOSTNAME_KEY),
    rules=TopologyRules(min_hosts=3, max_hosts=None, min_zones=3),
    cluster=ClusterShape(
        host_count=9, host_memory_mib=32768, host_cpu_millis=8000, reserved_memory_mib=2048, reserved_cpu_millis=500
    ),
    services={
        "airbyte_server": _size(3, (500, 2000), (1024, 2048)),
        "airbyte_worker": _size(3, (500, 2000), (1024, 2048)),
        "airbyte_workload_launcher": _size(2, (250, 1000), (512, 1024)),
        "airbyte_workload_api": _size(2, (250, 1000), (512, 1024)),
        "airbyte_cron": _size(1, (100, 500), (256, 512)),
        "airbyte_temporal": _size(2, (500, 2000), (1024, 2048)),
        "airbyte_jobs": _size(4, (1000, 2000), (2048, 4096)),
        "minio": _size(6, (500, 2000), (2048, 2048), storage_gib=200, volumes=2),
        "seaweedfs_master": _size(3, (100, 500), (256, 512), storage_gib=5),
        "seaweedfs_volume": _size(6, (500, 2000), (1536, 2048), storage_gib=200, volumes=2),
        "seaweedfs_filer": _size(3, (250, 1000), (512, 1024), storage_gib=10),
        "postgresql": _size(3, (1000, 2000), (4096, 4096), storage_gib=100),
        "elasticsearch": _size(3, (1000, 2000), (4096, 4096), storage_gib=100, heap=2048),
        "storage_setup": _size(1, (50, 250), (64, 128)),
        "dremio_coordinator": _size(1, (2000, 4000), (8192, 8192), storage_gib=50, heap=4096, direct=3072),
        "dremio_executor": _size(3, (2000, 4000), (10240, 10240), storage_gib=200, heap=4096, direct=5120),
        "zookeeper": _size(3, (250, 500), (512, 512), storage_gib=5, heap=256),
        "dbt": _size(2, (500, 1000), (1024, 2048)),
        "superset_web": _size(3, (500, 2000), (1024, 2048), max_replicas=6),
        "superset_worker": _size(3, (500, 2000), (1024, 2048), max_replicas=6),
        "valkey": _size(1, (250, 1000), (512, 1024), storage_gib=5),
        "prometheus": _size(2, (1000, 2000), (4096, 4096), storage_gib=100),
        "alertmanager": _size(2, (50, 200), (128, 256), storage_gib=2),
        "grafana": _size(2, (100, 1000), (256, 512)),
        "kube_state_metrics": _size(1, (100, 500), (256, 512)),
        "node_exporter": _size(1, (50, 250), (48, 96)),
        "log_agent": _size(1, (100, 500), (128, 256)),
        "cnpg_operator": _size(2, (100, 500), (256, 512)),
        "eck_operator": _size(1, (200, 1000), (512, 1024)),
        "cert_manager": _size(2, (50, 500), (128, 256)),
        "barman_cloud_plugin": _size(1, (100, 500), (128, 256)),
    },
)

PROFILES: dict[Topology, Profile] = {profile.topology: profile for profile in (DEV, STAGING, PROD)}


def check_profile_against_catalog(profile: Profile, services: tuple[ServiceSpec, ...] = SERVICES) -> list[str]:
    """Problems (as sentences naming the config key and the fix) in a resolved profile; empty when sound."""
    problems: list[str] = []
    known = {spec.name for spec in services}
    for missing in sorted(known - profile.services.keys()):
        problems.append(f"services.{missing}: no size given for this service in the {profile.topology} profile")
    for spec in services:
        size = profile.services.get(spec.name)
        if size is None:
            continue
        key = f"services.{spec.name}"
        if spec.placement is Placement.STATEFUL and size.storage_gib is None:
            problems.append(f"{key}.storage_gib: {spec.name} is stateful and needs a volume size in GiB")
        if spec.placement is not Placement.STATEFUL and size.storage_gib is not None:
            problems.append(f"{key}.storage_gib: {spec.name} keeps no data of its own; remove storage_gib")
        if spec.placement is Placement.PER_HOST and size.replicas != 1:
            problems.append(
                f"{key}.replicas = {size.replicas}: {spec.name} runs one pod on every host; remove replicas"
            )
        if size.autoscaled and spec.placement is not Placement.STATELESS:
            problems.append(
                f"{key}.max_replicas = {size.max_replicas}: only stateless services are autoscaled; "
                f"set max_replicas to {size.replicas} or remove it"
            )
        if spec.jvm and size.jvm_heap_mib is None:
            problems.append(f"{key}.jvm_heap_mib: {spec.name} runs on a JVM and needs a heap size in MiB")
        if not spec.jvm and (size.jvm_heap_mib is not None or size.jvm_direct_memory_mib is not None):
            problems.append(f"{key}.jvm_heap_mib: {spec.name} is not a JVM service; remove the JVM sizes")
    return problems
