"""`cluster` and `services.<name>`: overrides of the topology profile's hosts and per-service numbers."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from components.platform.settings.base import SettingsGroup
from components.platform.topology import PROFILES


class ClusterOverrides(SettingsGroup):
    """`cluster`: the hosts of this stack. Unset fields come from the topology profile."""

    host_count: Annotated[int, Field(ge=1)] | None = None
    """Number of Kubernetes worker hosts. dev: exactly 1; staging: 2 or 3; prod: a multiple of the zone count."""
    host_memory_mib: Annotated[int, Field(ge=1024)] | None = None
    """Memory of each host in MiB."""
    host_cpu_millis: Annotated[int, Field(ge=1000)] | None = None
    """CPU of each host in millicores (1000 = one core)."""
    reserved_memory_mib: Annotated[int, Field(ge=0)] | None = None
    """Memory per host kept for the OS, kubelet and container runtime; not available to pods."""
    reserved_cpu_millis: Annotated[int, Field(ge=0)] | None = None
    """CPU per host kept for the OS, kubelet and container runtime."""
    zones: list[str] | None = None
    """Zone names as the nodes' `topology.kubernetes.io/zone` label has them. prod needs at least 3."""

    @field_validator("zones")
    @classmethod
    def _zone_names(cls, zones: list[str] | None) -> list[str] | None:
        for zone in zones or []:
            if not zone or len(zone) > 63 or not re.fullmatch(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?", zone):
                raise ValueError(f"zone name {zone!r} is not a valid label value (1-63 alphanumerics, '-', '_', '.')")
        return zones

    @classmethod
    def reference_default(cls, field_name: str) -> str:
        values = []
        for topology, profile in PROFILES.items():
            value = getattr(profile.cluster, field_name)
            shown = ", ".join(value) if isinstance(value, tuple) else str(value)
            values.append(f"{topology}: {shown or 'none'}")
        return "; ".join(values)


class ServiceOverrides(SettingsGroup):
    """`services.<name>`: per-service numbers. Unset fields come from the topology profile."""

    replicas: Annotated[int, Field(ge=1)] | None = None
    """Pods of the service (concurrent pods for job slots such as `airbyte_jobs` and `dbt`)."""
    max_replicas: Annotated[int, Field(ge=1)] | None = None
    """Autoscaling ceiling for stateless services; above `replicas` adds a HorizontalPodAutoscaler."""
    cpu_request_millis: Annotated[int, Field(ge=1)] | None = None
    """CPU request per pod in millicores."""
    cpu_limit_millis: Annotated[int, Field(ge=1)] | None = None
    """CPU limit per pod in millicores."""
    memory_request_mib: Annotated[int, Field(ge=1)] | None = None
    """Memory request per pod in MiB."""
    memory_limit_mib: Annotated[int, Field(ge=1)] | None = None
    """Memory limit per pod in MiB."""
    storage_gib: Annotated[int, Field(ge=1)] | None = None
    """Size of each persistent volume in GiB (stateful services)."""
    volumes_per_replica: Annotated[int, Field(ge=1)] | None = None
    """Data volumes per pod (object-storage drives per server)."""
    jvm_heap_mib: Annotated[int, Field(ge=64)] | None = None
    """JVM maximum heap in MiB (Elasticsearch, Dremio, ZooKeeper)."""
    jvm_direct_memory_mib: Annotated[int, Field(ge=64)] | None = None
    """JVM maximum direct memory in MiB (Dremio)."""

    @classmethod
    def reference_default(cls, field_name: str) -> str:
        return "from the profile (below)"
