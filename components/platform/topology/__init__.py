"""The topology table: every number that differs between dev, staging and prod.

A stack picks one profile with its `topology` setting. A profile carries the host layout, the failure it
must survive, the spread keys, and per service: replicas, CPU and memory requests and limits, storage and
JVM heap. `sizes` holds one entry per service with its three sizes, `profiles` puts them together with the
hosts, and `model` validates the result. Stack config may override any number (`cluster`,
`services.<name>.<field>`), and an override gets the same checks as the table itself.

Units are in the names: `_millis` is millicores, `_mib` is MiB (2**20 bytes), `_gib` is GiB.
"""

from components.platform.topology.model import (
    HOSTNAME_KEY,
    JVM_OVERHEAD_MIB,
    ZONE_KEY,
    ClusterShape,
    FailureDomain,
    Profile,
    ServiceSize,
    Topology,
    TopologyRules,
)
from components.platform.topology.profiles import DEV, PROD, PROFILES, STAGING, check_profile_against_catalog
from components.platform.topology.sizes import SIZES, Sizes

__all__ = [
    "DEV",
    "HOSTNAME_KEY",
    "JVM_OVERHEAD_MIB",
    "PROD",
    "PROFILES",
    "SIZES",
    "STAGING",
    "ZONE_KEY",
    "ClusterShape",
    "FailureDomain",
    "Profile",
    "ServiceSize",
    "Sizes",
    "Topology",
    "TopologyRules",
    "check_profile_against_catalog",
]
