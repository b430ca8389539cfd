"""The catalog's vocabulary: zones, placement kinds, backends, who renders a service's pods, services, flows."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Zone(enum.StrEnum):
    """A network zone: one namespace, default-deny, reachable only through declared flows."""

    INGESTION = "ingestion"
    STORAGE = "storage"
    PROCESSING = "processing"
    PRESENTATION = "presentation"
    OBSERVABILITY = "observability"
    NODE_AGENTS = "node-agents"
    OPERATORS = "operators"
    EDGE = "edge"


class Placement(enum.StrEnum):
    """How a service's pods are placed, which decides how the capacity check counts them."""

    STATELESS = "stateless"
    """A Deployment: replicas move freely after a host or zone is lost."""
    STATEFUL = "stateful"
    """A StatefulSet or operator-managed set of members with their own volumes."""
    PER_HOST = "per-host"
    """A DaemonSet: one pod on every host; it disappears with its host."""
    JOB_SLOTS = "job-slots"
    """Pods started on demand (connector syncs, dbt runs); `replicas` is the number of concurrent slots."""


class Availability(enum.StrEnum):
    """How a service keeps the topology's promise (survive a host in staging, a zone in prod). The
    availability check (`checks.availability`) judges every service by its rule; no rule is per service."""

    QUORUM = "quorum"
    """A majority of the members must survive (raft, ZooKeeper, Elasticsearch masters); an odd count."""
    REDUNDANT = "redundant"
    """At least one member must survive: replicated data (a promotable standby) or a user-facing service."""
    ERASURE = "erasure"
    """MinIO's erasure sets must keep their write quorum (the arithmetic of `checks.placement`)."""
    REPLICATION = "replication"
    """Every SeaweedFS volume must keep a copy (the arithmetic of `checks.placement`)."""
    RESCHEDULED = "rescheduled"
    """Kubernetes starts it again on a surviving host: an interruption of minutes, nothing lost."""
    SINGLE = "single"
    """One instance by design (the reason is in the catalog): not covered by the promise."""


class ObjectStorageBackend(enum.StrEnum):
    """Which S3 implementation serves the data lake (setting `object_storage.backend`)."""

    MINIO = "minio"
    SEAWEEDFS = "seaweedfs"
    EXTERNAL = "external"


class Feature(enum.StrEnum):
    """An optional part of the platform, on or off per stack (settings decide, by topology when unset). Its
    services are deployed, given flows and counted by the capacity check only when it is on."""

    KIBANA = "kibana"
    TRACING = "tracing"
    OFFSITE_BACKUPS = "offsite-backups"
    # An operator the platform installs; off when the cluster's own is used (`operators.existing.*`).
    CERT_MANAGER = "cert-manager"
    CLOUDNATIVE_PG = "cloudnative-pg"
    ECK = "eck"
    PROMETHEUS_OPERATOR = "prometheus-operator"


class PodSecurityLevel(enum.StrEnum):
    """Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/)."""

    RESTRICTED = "restricted"
    BASELINE = "baseline"
    PRIVILEGED = "privileged"


@dataclass(frozen=True, kw_only=True)
class ZoneSpec:
    zone: Zone
    description: str
    pod_security: PodSecurityLevel = PodSecurityLevel.RESTRICTED
    pod_security_reason: str | None = None
    """Required when `pod_security` is weaker than restricted: why this zone cannot be restricted."""


@dataclass(frozen=True, kw_only=True)
class PlatformPods:
    """The program renders this service's pods itself; they carry `SERVICE_LABEL` (built with `kube.pods`)."""


@dataclass(frozen=True, kw_only=True)
class ChartPods:
    """A Helm release (or an operator it installs) renders this service's pods, so the platform does not
    choose their labels. Either the labels that the pinned chart version renders are recorded here, with
    the evidence in a comment, or the layer injects `SERVICE_LABEL` through the chart's values."""

    release: str
    """The Helm release that renders the pods (`versions.ChartPin.release`)."""
    labels: dict[str, str] | None = None
    """The labels the chart renders on these pods, which the NetworkPolicies and PDBs select."""
    label_values: tuple[str, ...] = ()
    """With `labels` None: the dotted paths in the release's values where the layer sets the pod labels
    (e.g. `prometheus.prometheusSpec.podMetadata.labels`); the tests check that they carry `SERVICE_LABEL`."""

    def __post_init__(self) -> None:
        if not self.labels and not self.label_values:
            raise ValueError(f"release {self.release}: record the chart's pod labels or where SERVICE_LABEL is injected")


PLATFORM = PlatformPods()


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    name: str
    """Catalog key, also the key of `services.<name>` in stack config (snake_case)."""
    zone: Zone
    placement: Placement
    pods: PlatformPods | ChartPods
    """Who renders the pods, hence how the NetworkPolicies select them. Required, so that a chart's pods
    can never be left unselectable (default-deny would cut them off)."""
    availability: Availability
    """The rule by which it keeps the topology's promise. Required, so that no service escapes the check."""
    availability_reason: str = ""
    """Why the rule is enough: required for RESCHEDULED and SINGLE services."""
    app: str
    """`app.kubernetes.io/name` of the service's pods (pods the platform renders)."""
    component: str
    """`app.kubernetes.io/component` of the service's pods (pods the platform renders)."""
    ports: dict[str, int] = field(default_factory=dict)
    """Named ports the service listens on. The only place a port number is written."""
    jvm: bool = False
    """JVM services carry a heap size in their profile."""
    backend: ObjectStorageBackend | None = None
    """Deployed only with this object-storage backend; None: always deployed."""
    feature: Feature | None = None
    """Deployed only when this optional feature is on; None: always deployed."""
    needs_kubernetes_api: bool = False
    """Watches or changes Kubernetes objects, so its pods may reach the API server."""
    pods_per_replica: int = 1
    """Pods one replica stands for (cert-manager's controller, webhook and CA injector scale together)."""
    multi_volume: bool = False
    """Each member has several data volumes (`volumes_per_replica`): object-storage drives."""
    udp_ports: frozenset[str] = frozenset()
    """Names of `ports` that speak UDP (StatsD); every other port is TCP."""
    description: str = ""

    def __post_init__(self) -> None:
        if self.availability in (Availability.RESCHEDULED, Availability.SINGLE) and not self.availability_reason:
            raise ValueError(f"{self.name}: say why {self.availability} is enough (availability_reason)")

    @property
    def kubernetes_name(self) -> str:
        """DNS-1123 form of the catalog name (`dremio_executor` → `dremio-executor`)."""
        return self.name.replace("_", "-")

    @property
    def selector_labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": self.app, "app.kubernetes.io/component": self.component}

    @property
    def policy_selector(self) -> dict[str, str]:
        """The labels NetworkPolicies select this service's pods by."""
        if isinstance(self.pods, ChartPods) and self.pods.labels:
            return dict(self.pods.labels)
        return {SERVICE_LABEL: self.kubernetes_name}


SERVICE_LABEL = "dataplatform.io/service"
"""Label on every pod the platform renders itself, naming its catalog service (NetworkPolicies select it)."""


@dataclass(frozen=True, kw_only=True)
class Flow:
    """One allowed connection: pods of `source` may open connections to `target` on `port_name`."""

    source: str
    target: str
    port_name: str
    purpose: str
