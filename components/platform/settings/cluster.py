"""`cluster` and `services.<name>`: overrides of the topology profile's hosts and per-service numbers."""

from __future__ import annotations

import re

from pydantic import StrictBool, field_validator

from components.platform.settings.base import SettingsGroup, whole
from components.platform.topology import PROFILES


class ClusterOverrides(SettingsGroup):
    """`cluster`: the hosts of this stack. Unset fields come from the topology profile."""

    host_count: whole(1, 1000) | None = None
    """Number of Kubernetes worker hosts. dev: exactly 1; staging: 2 or 3; prod: a multiple of the zone count."""
    host_memory_mib: whole(1024, 4_194_304) | None = None
    """Memory of each host in MiB (at most 4 TiB)."""
    host_cpu_millis: whole(1000, 1_024_000) | None = None
    """CPU of each host in millicores (1000 = one core; at most 1024 cores)."""
    reserved_memory_mib: whole(0, 1_048_576) | None = None
    """Memory per host kept for the OS, kubelet and container runtime; not available to pods."""
    reserved_cpu_millis: whole(0, 256_000) | None = None
    """CPU per host kept for the OS, kubelet and container runtime."""
    allow_data_deletion: StrictBool = False
    """Lift the data guards of staging and prod (Pulumi's `protect` on the stores, `retain_on_delete` on the buckets), to decommission a stack: set it, `pulumi up`, then `pulumi destroy`. Volumes and buckets of a deleted store are still kept by their retention policies; delete them by hand."""
    zones: list[str] | None = None
    """Zone names as the nodes' `topology.kubernetes.io/zone` label has them. prod needs at least 3."""
    accept_reduced_availability: StrictBool = False
    """Deploy even where a setting breaks the topology's promise (survive a host in staging, a zone in prod). The plan and the `capacity` output then list, per service, what is no longer guaranteed."""

    @field_validator("zones")
    @classmethod
    def _zone_names(cls, zones: list[str] | None) -> list[str] | None:
        for zone in zones or []:
            if not zone or len(zone) > 63 or not re.fullmatch(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?", zone):
                raise ValueError(f"zone name {zone!r} is not a valid label value (1-63 alphanumerics, '-', '_', '.')")
        repeated = sorted({zone for zone in zones or [] if zones.count(zone) > 1})
        if repeated:
            raise ValueError(
                f"{', '.join(repeated)} listed more than once; each zone counts once. Fix: list every zone once, e.g. "
                "`pulumi config set --path 'cluster.zones[2]' eu-west-1c`"
            )
        return zones

    @classmethod
    def reference_default(cls, field_name: str) -> str:
        if field_name in ("accept_reduced_availability", "allow_data_deletion"):
            return "`false`"
        values = []
        for topology, profile in PROFILES.items():
            value = getattr(profile.cluster, field_name)
            shown = ", ".join(value) if isinstance(value, tuple) else str(value)
            values.append(f"{topology}: {shown or 'none'}")
        return "; ".join(values)


class ServiceOverrides(SettingsGroup):
    """`services.<name>`: per-service numbers. Unset fields come from the topology profile."""

    replicas: whole(1, 100) | None = None
    """Pods of the service (concurrent pods for job slots such as `airbyte_jobs` and `dbt`)."""
    max_replicas: whole(1, 1000) | None = None
    """Autoscaling ceiling for stateless services; above `replicas` adds a HorizontalPodAutoscaler."""
    cpu_request_millis: whole(1, 256_000) | None = None
    """CPU request per pod in millicores."""
    cpu_limit_millis: whole(1, 256_000) | None = None
    """CPU limit per pod in millicores."""
    memory_request_mib: whole(1, 1_048_576) | None = None
    """Memory request per pod in MiB."""
    memory_limit_mib: whole(1, 1_048_576) | None = None
    """Memory limit per pod in MiB."""
    storage_gib: whole(1, 65_536) | None = None
    """Size of each persistent volume in GiB (stateful services)."""
    volumes_per_replica: whole(1, 32) | None = None
    """Data volumes per pod (object-storage drives per server; only services with several data volumes)."""
    jvm_heap_mib: whole(64, 1_048_576) | None = None
    """JVM maximum heap in MiB (Elasticsearch, Dremio, ZooKeeper)."""
    jvm_direct_memory_mib: whole(64, 1_048_576) | None = None
    """JVM maximum direct memory in MiB (Dremio)."""

    @classmethod
    def reference_default(cls, field_name: str) -> str:
        return "from the profile (below)"
