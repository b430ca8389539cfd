"""Failure arithmetic of the object-storage backends: how data stays readable and writable after the
loss of a host (staging) or a zone (prod).

Pure functions of the topology's numbers. `check_placement` runs at start-up, beside the capacity check,
and refuses a layout that would not survive before anything is declared; the storage layer configures the
backend from the plan it returns, so the arithmetic is done once.

MinIO erasure coding (https://min.io/docs/minio/linux/operations/concepts/erasure-coding.html): the
drives of a pool are grouped into erasure sets of 4 to 16 drives; an object is split into
`set_size - parity` data and `parity` parity shards. Reads need `data` shards; writes need `data`
shards too, or `data + 1` when parity is exactly half the set. With servers spread evenly over the
failure domains, losing one domain removes `ceil(servers / domains) * drives_per_server` drives,
spread evenly over the sets.

SeaweedFS replication (https://github.com/seaweedfs/seaweedfs/wiki/Replication): a volume's
replication "xyz" keeps x copies in other data centers, y in other racks, z on other servers of the
same rack. Each zone is a rack here, so "010" keeps a copy in another zone; on hosts without zones
"001" keeps one on another server, which the hard per-host spread puts on another host.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from components.platform.catalog import ObjectStorageBackend
from components.platform.errors import ConfigurationError
from components.platform.settings import PlatformSettings
from components.platform.topology import FailureDomain

MIN_ERASURE_DRIVES = 4
MAX_ERASURE_SET = 16


class LayoutError(ValueError):
    """A layout that cannot survive its failure domain; `key` is the stack setting to change."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class ErasurePlan:
    servers: int
    drives_per_server: int
    failure_domains: int
    """Hosts or zones the servers are spread over; 1 means there is no failure to survive."""
    set_size: int
    parity: int

    @property
    def drives(self) -> int:
        return self.servers * self.drives_per_server

    @property
    def data_shards(self) -> int:
        return self.set_size - self.parity

    @property
    def read_quorum(self) -> int:
        return self.data_shards

    @property
    def write_quorum(self) -> int:
        return self.data_shards + 1 if self.data_shards == self.parity else self.data_shards

    @property
    def drives_lost_per_set(self) -> int:
        """Drives of one erasure set that go with the largest share of servers in one failure domain."""
        if self.failure_domains <= 1 or self.drives == 1:
            return 0
        lost = math.ceil(self.servers / self.failure_domains) * self.drives_per_server
        return math.ceil(lost * self.set_size / self.drives)

    @property
    def survives_domain_loss(self) -> bool:
        remaining = self.set_size - self.drives_lost_per_set
        return remaining >= self.write_quorum and remaining >= self.read_quorum

    @property
    def storage_class(self) -> str | None:
        """MINIO_STORAGE_CLASS_STANDARD, or None for a single drive (no erasure coding)."""
        return f"EC:{self.parity}" if self.parity else None


def minio_default_parity(set_size: int) -> int:
    """MinIO's default parity for an erasure set of `set_size` drives."""
    if set_size <= 5:
        return 2
    if set_size <= 7:
        return 3
    return 4


def erasure_plan(servers: int, drives_per_server: int, failure_domains: int) -> ErasurePlan:
    """The erasure layout MinIO will use, with parity raised to cover one failure domain.

    Raises LayoutError (with the fix) when no parity can keep the data writable after the loss.
    """
    drives = servers * drives_per_server
    if drives == 1:
        return ErasurePlan(servers, drives_per_server, failure_domains, set_size=1, parity=0)
    if drives < MIN_ERASURE_DRIVES:
        raise LayoutError(
            "services.minio",
            f"{servers} server(s) × {drives_per_server} drive(s) = {drives} drives; erasure coding needs at least "
            f"{MIN_ERASURE_DRIVES}. Fix: raise replicas or volumes_per_replica"
        )
    divisors = [size for size in range(MIN_ERASURE_DRIVES, MAX_ERASURE_SET + 1) if drives % size == 0]
    if not divisors:
        raise LayoutError(
            "services.minio",
            f"{drives} drives cannot be split into erasure sets of 4 to 16 drives. "
            "Fix: use a drive count with such a divisor (e.g. a multiple of 4)"
        )
    # MinIO picks the largest set size that divides the drive count.
    set_size = max(divisors)
    probe = ErasurePlan(servers, drives_per_server, failure_domains, set_size, parity=0)
    parity = max(minio_default_parity(set_size), probe.drives_lost_per_set)
    plan = ErasurePlan(servers, drives_per_server, failure_domains, set_size, parity=min(parity, set_size // 2))
    if failure_domains > 1 and not plan.survives_domain_loss:
        raise LayoutError(
            "services.minio",
            f"{servers} servers × {drives_per_server} drives over {failure_domains} failure domains: losing one "
            f"takes {plan.drives_lost_per_set} of each {set_size}-drive erasure set, more than the most parity "
            f"({set_size // 2}) can cover. Fix: spread more servers (replicas a multiple of {failure_domains}) "
            "or add drives per server"
        )
    return plan


@dataclass(frozen=True)
class ReplicationPlan:
    masters: int
    volume_servers: int
    filers: int
    failure_domains: int
    zoned: bool
    """True when the failure domain is a zone: volume servers are grouped per zone (one rack each)."""

    @property
    def replication(self) -> str:
        if self.failure_domains <= 1:
            return "000"
        return "010" if self.zoned else "001"

    @property
    def master_quorum(self) -> int:
        return self.masters // 2 + 1


def replication_plan(
    masters: int, volume_servers: int, filers: int, failure_domains: int, *, zoned: bool
) -> ReplicationPlan:
    """The SeaweedFS layout; raises LayoutError (with the fix) when one failure domain could take data or quorum."""
    plan = ReplicationPlan(masters, volume_servers, filers, failure_domains, zoned)
    if masters % 2 == 0:
        raise LayoutError(
            "services.seaweedfs_master.replicas", f"{masters} masters: raft needs an odd number of masters (1, 3, 5)"
        )
    if failure_domains <= 1:
        return plan
    lost_masters = math.ceil(masters / failure_domains)
    if masters - lost_masters < plan.master_quorum:
        raise LayoutError(
            "services.seaweedfs_master.replicas",
            f"{masters} masters over {failure_domains} failure domains: losing one leaves "
            f"{masters - lost_masters}, below the raft quorum {plan.master_quorum}. Fix: use 3 or 5 masters",
        )
    if filers < 2:
        raise LayoutError(
            "services.seaweedfs_filer.replicas",
            f"{filers} filer: S3 would stop with the host or zone of a single filer. Fix: 2 or more",
        )
    if zoned and volume_servers % failure_domains:
        raise LayoutError(
            "services.seaweedfs_volume.replicas",
            f"{volume_servers} volume servers: they are placed per zone. Fix: a multiple of {failure_domains}",
        )
    if not zoned and volume_servers > failure_domains:
        raise LayoutError(
            "services.seaweedfs_volume.replicas",
            f"{volume_servers} volume servers on {failure_domains} hosts: two servers could share a host and hold both copies "
            f"of a volume. Fix: at most {failure_domains} volume servers",
        )
    if volume_servers < 2:
        raise LayoutError(
            "services.seaweedfs_volume.replicas",
            f"{volume_servers} volume server: a second copy needs 2 or more",
        )
    return plan


class PlacementError(ConfigurationError):
    """A stateful layout that would not survive the topology's failure. Raised before anything is declared."""


@dataclass(frozen=True)
class StoragePlacement:
    """The deployed object store's layout, proven to survive the topology's failure."""

    erasure: ErasurePlan | None = None
    """MinIO's erasure layout (backend `minio`)."""
    replication: ReplicationPlan | None = None
    """SeaweedFS's replication layout (backend `seaweedfs`)."""


def check_placement(settings: PlatformSettings) -> StoragePlacement:
    """The object store's layout for this stack; raises PlacementError naming the setting to change."""
    profile, backend = settings.profile, settings.config.object_storage.backend
    services, domains = profile.services, profile.failure_domain_count
    try:
        if backend is ObjectStorageBackend.MINIO:
            minio = services["minio"]
            return StoragePlacement(erasure=erasure_plan(minio.replicas, minio.volumes_per_replica, domains))
        if backend is ObjectStorageBackend.SEAWEEDFS:
            return StoragePlacement(
                replication=replication_plan(
                    services["seaweedfs_master"].replicas,
                    services["seaweedfs_volume"].replicas,
                    services["seaweedfs_filer"].replicas,
                    domains,
                    zoned=profile.failure_domain is FailureDomain.ZONE,
                )
            )
    except LayoutError as error:
        problem = f"{settings.project}:{error.key}: {error}"
        raise PlacementError(
            f"stack {settings.stack!r}: the {backend} layout of the {profile.topology} topology would not keep the "
            f"lake available; nothing was deployed:\n  - {problem}",
            [problem],
        ) from None
    return StoragePlacement()
