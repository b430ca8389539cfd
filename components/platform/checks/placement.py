"""Failure arithmetic of the object-storage backends: how data stays readable and writable after the
loss of a host (staging) or a zone (prod).

Pure functions of the topology's numbers, used by the availability check (`checks.availability`) for the
two services whose survival is more than counting members; the storage layer configures the backend from
the plans it returns, so the arithmetic is done once.

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

MIN_ERASURE_DRIVES = 4
MAX_ERASURE_SET = 16


class LayoutError(ValueError):
    """A layout that cannot work (`structural`) or cannot survive its failure domain; `key` is the setting."""

    def __init__(self, key: str, message: str, *, structural: bool = False):
        super().__init__(message)
        self.key = key
        self.structural = structural
        """The store would not start at all: no setting can accept that."""


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

    def loss_problem(self) -> LayoutError | None:
        """Why losing one failure domain would stop writes, or None."""
        if self.failure_domains <= 1 or self.survives_domain_loss:
            return None
        return LayoutError(
            "services.minio",
            f"{self.servers} servers × {self.drives_per_server} drives over {self.failure_domains} failure domains: "
            f"losing one takes {self.drives_lost_per_set} of each {self.set_size}-drive erasure set, more than the most "
            f"parity ({self.set_size // 2}) can cover. Fix: spread more servers (replicas a multiple of "
            f"{self.failure_domains}) or add drives per server",
        )


def minio_default_parity(set_size: int) -> int:
    """MinIO's default parity for an erasure set of `set_size` drives."""
    if set_size <= 5:
        return 2
    if set_size <= 7:
        return 3
    return 4


def erasure_plan(servers: int, drives_per_server: int, failure_domains: int) -> ErasurePlan:
    """The erasure layout MinIO will use, with parity raised to cover one failure domain as far as it can.

    Raises LayoutError (with the fix) for a drive count MinIO cannot use; `loss_problem` says whether the
    layout survives the loss of a failure domain.
    """
    drives = servers * drives_per_server
    if drives == 1:
        return ErasurePlan(servers, drives_per_server, failure_domains, set_size=1, parity=0)
    if drives < MIN_ERASURE_DRIVES:
        raise LayoutError(
            "services.minio",
            f"{servers} server(s) × {drives_per_server} drive(s) = {drives} drives; erasure coding needs at least "
            f"{MIN_ERASURE_DRIVES}. Fix: raise replicas or volumes_per_replica",
            structural=True,
        )
    divisors = [size for size in range(MIN_ERASURE_DRIVES, MAX_ERASURE_SET + 1) if drives % size == 0]
    if not divisors:
        raise LayoutError(
            "services.minio",
            f"{drives} drives cannot be split into erasure sets of 4 to 16 drives. "
            "Fix: use a drive count with such a divisor (e.g. a multiple of 4)",
            structural=True,
        )
    # MinIO picks the largest set size that divides the drive count.
    set_size = max(divisors)
    probe = ErasurePlan(servers, drives_per_server, failure_domains, set_size, parity=0)
    parity = max(minio_default_parity(set_size), probe.drives_lost_per_set)
    return ErasurePlan(servers, drives_per_server, failure_domains, set_size, parity=min(parity, set_size // 2))


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

    def loss_problem(self) -> LayoutError | None:
        """Why losing one failure domain could take both copies of a volume, or None."""
        if self.failure_domains <= 1:
            return None
        if not self.zoned and self.volume_servers > self.failure_domains:
            return LayoutError(
                "services.seaweedfs_volume.replicas",
                f"{self.volume_servers} volume servers on {self.failure_domains} hosts: two servers could share a host "
                f"and hold both copies of a volume. Fix: at most {self.failure_domains} volume servers",
            )
        if self.volume_servers < 2:
            return LayoutError(
                "services.seaweedfs_volume.replicas",
                f"{self.volume_servers} volume server: a second copy needs 2 or more. Fix: 2 or more",
            )
        return None


def replication_plan(
    masters: int, volume_servers: int, filers: int, failure_domains: int, *, zoned: bool
) -> ReplicationPlan:
    """The SeaweedFS layout; raises LayoutError (with the fix) for a layout the platform cannot place;
    `loss_problem` says whether it survives the loss of a failure domain."""
    plan = ReplicationPlan(masters, volume_servers, filers, failure_domains, zoned)
    if zoned and failure_domains > 1 and volume_servers % failure_domains:
        raise LayoutError(
            "services.seaweedfs_volume.replicas",
            f"{volume_servers} volume servers: they are placed per zone. Fix: a multiple of {failure_domains}",
            structural=True,
        )
    return plan


@dataclass(frozen=True)
class StoragePlacement:
    """The deployed object store's layout, proven to survive the topology's failure (or accepted not to)."""

    erasure: ErasurePlan | None = None
    """MinIO's erasure layout (backend `minio`)."""
    replication: ReplicationPlan | None = None
    """SeaweedFS's replication layout (backend `seaweedfs`)."""
