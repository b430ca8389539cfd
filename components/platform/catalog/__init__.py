"""The platform's fixed architecture: which services exist, where they live and who talks to whom.

Everything here is the same for every stack. The *numbers* (replicas, sizes) live in
`components.platform.topology`; this module holds the facts that do not change with a topology, so that a
topology changes numbers and never code paths.

Three things are derived from these tables (`zones`, `services`, `flows`, on the types of `model`):

* the network zones (namespaces) and their NetworkPolicies (`components.layers.network`),
* the start-up checks (`components.platform.checks`), which need each service's placement kind,
* the architecture diagram of the offline plan (`offline.plan`).
"""

from components.platform.catalog.edge import EDGE_ROUTES, FLIGHT_ROUTE, LISTENER_PORTS, EdgeRoute
from components.platform.catalog.flows import (
    FLOWS,
    OBJECT_STORAGE,
    S3_SERVICE_BY_BACKEND,
    SERVICES_BY_NAME,
    ZONES_BY_NAME,
    active_flows,
    active_services,
    service,
    validate_catalog,
)
from components.platform.catalog.model import (
    PLATFORM,
    SERVICE_LABEL,
    Availability,
    ChartPods,
    Feature,
    Flow,
    ObjectStorageBackend,
    Placement,
    PlatformPods,
    PodSecurityLevel,
    ServiceSpec,
    Zone,
    ZoneSpec,
)
from components.platform.catalog.scrapes import SCRAPES, Scrape
from components.platform.catalog.services import SERVICES
from components.platform.catalog.zones import ZONES

__all__ = [
    "EDGE_ROUTES",
    "FLIGHT_ROUTE",
    "LISTENER_PORTS",
    "EdgeRoute",
    "FLOWS",
    "OBJECT_STORAGE",
    "PLATFORM",
    "S3_SERVICE_BY_BACKEND",
    "SCRAPES",
    "SERVICES",
    "SERVICES_BY_NAME",
    "SERVICE_LABEL",
    "ZONES",
    "ZONES_BY_NAME",
    "Availability",
    "ChartPods",
    "Feature",
    "Flow",
    "ObjectStorageBackend",
    "Placement",
    "PlatformPods",
    "PodSecurityLevel",
    "Scrape",
    "ServiceSpec",
    "Zone",
    "ZoneSpec",
    "active_flows",
    "active_services",
    "service",
    "validate_catalog",
]
