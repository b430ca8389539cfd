"""The three profiles (hosts, failure domain, spreading, rules and sizes), and their check against the catalog."""

from __future__ import annotations

from components.platform.catalog import SERVICES, Availability, Placement, ServiceSpec
from components.platform.topology.model import (
    HOSTNAME_KEY,
    ZONE_KEY,
    ClusterShape,
    FailureDomain,
    Profile,
    Topology,
    TopologyRules,
)
from components.platform.topology.sizes import SIZES

DEV = Profile(
    topology=Topology.DEV,
    failure_domain=FailureDomain.NONE,
    spread_topology_keys=(),
    rules=TopologyRules(min_hosts=1, max_hosts=1, min_zones=0),
    cluster=ClusterShape(
        host_count=1, host_memory_mib=8192, host_cpu_millis=4000, reserved_memory_mib=512, reserved_cpu_millis=250
    ),
    services={name: sizes.dev for name, sizes in SIZES.items()},
)
STAGING = Profile(
    topology=Topology.STAGING,
    failure_domain=FailureDomain.HOST,
    spread_topology_keys=(HOSTNAME_KEY,),
    rules=TopologyRules(min_hosts=2, max_hosts=3, min_zones=0),
    cluster=ClusterShape(
        host_count=3, host_memory_mib=16384, host_cpu_millis=8000, reserved_memory_mib=1024, reserved_cpu_millis=400
    ),
    services={name: sizes.staging for name, sizes in SIZES.items()},
)
PROD = Profile(
    topology=Topology.PROD,
    failure_domain=FailureDomain.ZONE,
    spread_topology_keys=(ZONE_KEY, HOSTNAME_KEY),
    rules=TopologyRules(min_hosts=3, max_hosts=None, min_zones=3),
    cluster=ClusterShape(
        host_count=9, host_memory_mib=32768, host_cpu_millis=8000, reserved_memory_mib=2048, reserved_cpu_millis=500
    ),
    services={name: sizes.prod for name, sizes in SIZES.items()},
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
        if spec.availability is Availability.SINGLE and size.replicas != 1:
            problems.append(
                f"{key}.replicas = {size.replicas}: {spec.name} runs exactly one instance by design "
                f"({spec.availability_reason}). Fix: `pulumi config rm --path '{key}.replicas'`"
            )
        if spec.jvm and size.jvm_heap_mib is None:
            problems.append(f"{key}.jvm_heap_mib: {spec.name} runs on a JVM and needs a heap size in MiB")
        if not spec.jvm and (size.jvm_heap_mib is not None or size.jvm_direct_memory_mib is not None):
            problems.append(f"{key}.jvm_heap_mib: {spec.name} is not a JVM service; remove the JVM sizes")
    return problems
