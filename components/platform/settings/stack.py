"""The stack's whole configuration (`StackConfig`) and what the program runs with (`PlatformSettings`).

`StackConfig` is the tree of every key of the `data-platform` config namespace: a few platform-wide keys
and one field per settings group. Adding a group is one field here plus the group's own module; unknown-key
suggestions, secret keys and the generated reference all walk this tree.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from components.platform.catalog import Feature, Flow, ServiceSpec, active_flows, active_services
from components.platform.settings.backups import BackupSettings, offsite_enabled
from components.platform.settings.base import DNS_LABEL, DNS_SUBDOMAIN, SettingsGroup, validated_cidrs
from components.platform.settings.cluster import ClusterOverrides, ServiceOverrides
from components.platform.settings.edge import EdgeSettings, PostDeploySettings
from components.platform.settings.images import ImageSettings
from components.platform.settings.ingestion import IngestionSettings
from components.platform.settings.observability import AlertingSettings, LoggingSettings, ObservabilitySettings
from components.platform.settings.operators import OperatorSettings
from components.platform.settings.presentation import SupersetSettings
from components.platform.settings.processing import ProcessingSettings
from components.platform.settings.restore import RestoreSettings
from components.platform.settings.storage import ObjectStorageSettings
from components.platform.settings.transformations import DbtSettings, LakehouseSettings
from components.platform.topology import ClusterShape, Profile, ServiceSize, Topology

PROJECT = "data-platform"


class StackConfig(SettingsGroup):
    """Every key of the `data-platform` config namespace."""

    topology: Topology
    """Required. The topology profile: `dev` (one host), `staging` (3 hosts, survives a host) or `prod` (3+ zones, survives a zone)."""
    cluster: ClusterOverrides = ClusterOverrides()
    """Host layout overrides; see the `cluster.*` keys."""
    services: dict[str, ServiceOverrides] = {}
    """Per-service size overrides, keyed by service name; see the `services.<name>.*` keys."""
    storage_class: str | None = None
    """StorageClass of every PersistentVolumeClaim. Unset: the cluster's default class. In prod, name an SSD class that binds volumes in the pod's zone (`volumeBindingMode: WaitForFirstConsumer`)."""
    namespace_prefix: str = "dp"
    """Prefix of the platform's namespaces (`<prefix>-storage`, ...), so two stacks can share a cluster."""
    kubernetes_api_cidrs: list[str] | None = None
    """Addresses of the Kubernetes API server, for the NetworkPolicies of operators and agents that call it and of webhooks it calls. Unset: read from the cluster at deploy time (the endpoints of the `kubernetes` Service in `default`). `0.0.0.0/0` opens any address and is accepted only when set here explicitly."""
    object_storage: ObjectStorageSettings = ObjectStorageSettings()
    """Object storage backend and buckets; see the `object_storage.*` keys."""
    backups: BackupSettings = BackupSettings()
    """Backup schedule and retention; see the `backups.*` keys."""
    processing: ProcessingSettings = ProcessingSettings()
    """Dremio's bucket and image digest; see the `processing.*` keys."""
    images: ImageSettings = ImageSettings()
    """Where built images are pushed, or which pushed images to use; see the `images.*` keys. A stack needs `images.registry` unless every `images.<name>` is set."""
    dbt: DbtSettings = DbtSettings()
    """The nightly transformation run; see the `dbt.*` keys."""
    lakehouse: LakehouseSettings = LakehouseSettings()
    """The data team's content; see the `lakehouse.*` keys."""
    superset: SupersetSettings = SupersetSettings()
    """Superset and its cache; see the `superset.*` keys."""
    ingestion: IngestionSettings = IngestionSettings()
    """Airbyte's reach; see the `ingestion.*` keys."""
    observability: ObservabilitySettings = ObservabilitySettings()
    """Metrics retention, Kibana and tracing; see the `observability.*` keys."""
    logging: LoggingSettings = LoggingSettings()
    """Log retention; see the `logging.*` keys."""
    alerting: AlertingSettings = AlertingSettings()
    """Alert receivers (e-mail, Slack); see the `alerting.*` keys."""
    operators: OperatorSettings = OperatorSettings()
    """Operators the cluster already runs; see the `operators.*` keys."""
    edge: EdgeSettings = EdgeSettings()
    """The HTTPS entry for the web UIs; see the `edge.*` keys."""
    post_deploy: PostDeploySettings = PostDeploySettings()
    """How `pulumi up` reaches the services it configures; see the `post_deploy.*` keys."""
    restore: RestoreSettings = RestoreSettings()
    """Restores declared in the stack; see the `restore.*` keys."""

    @field_validator("kubernetes_api_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str] | None) -> list[str] | None:
        return None if cidrs is None else validated_cidrs(cidrs)

    @field_validator("storage_class")
    @classmethod
    def _storage_class_name(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 253 or not DNS_SUBDOMAIN.match(value)):
            raise ValueError("a StorageClass name is a lower-case DNS subdomain such as 'ssd' or 'premium-rwo'")
        return value

    @field_validator("namespace_prefix")
    @classmethod
    def _prefix_is_dns_label(cls, value: str) -> str:
        # The longest zone name is 12 characters; namespaces are DNS labels of at most 63.
        if len(value) > 50 or not DNS_LABEL.match(value):
            raise ValueError("use 1-50 lower-case letters, digits and '-', starting and ending alphanumeric")
        return value

    def groups(self) -> dict[str, SettingsGroup]:
        """Every settings group of this config by its key (`object_storage`, ...), this config included as ''."""
        nested = {name: getattr(self, name) for name in type(self).model_fields}
        return {"": self, **{name: value for name, value in nested.items() if isinstance(value, SettingsGroup)}}


class PlatformSettings(BaseModel):
    """The validated settings the program runs with: the stack's identity, its config and its resolved profile.

    Sizes come only from `profile` (the topology with the stack's overrides applied); `config` holds the
    keys as the stack sets them, and each layer reads its own group there (`settings.config.object_storage`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    project: str
    stack: str
    config: StackConfig
    profile: Profile
    secret_keys_set: frozenset[str] = frozenset()
    """Which declared secret keys the stack sets (their values are only ever read as secret Outputs)."""
    warnings: tuple[str, ...] = ()
    """What the stack accepts but should know (a frozen image, a wide-open address); `pulumi up` prints them."""

    @property
    def topology(self) -> Topology:
        return self.profile.topology

    @property
    def cluster(self) -> ClusterShape:
        """The resolved hosts (profile plus `cluster` overrides)."""
        return self.profile.cluster

    @property
    def services(self) -> dict[str, ServiceSize]:
        """The resolved size of every service (profile plus `services` overrides)."""
        return self.profile.services

    @property
    def features(self) -> frozenset[Feature]:
        """The optional features this stack runs (`observability.kibana`, `observability.tracing`, by topology when
        unset) and the operators it installs (all but those of `operators.existing`)."""
        observability = self.config.observability
        by_topology = self.topology is not Topology.DEV
        existing = self.config.operators.existing
        wanted = {
            Feature.KIBANA: by_topology if observability.kibana is None else observability.kibana,
            Feature.TRACING: by_topology if observability.tracing is None else observability.tracing,
            Feature.OFFSITE_BACKUPS: self.offsite_backups,
            Feature.CERT_MANAGER: not existing.cert_manager,
            Feature.CLOUDNATIVE_PG: not existing.cloudnative_pg,
            Feature.ECK: not existing.eck,
            Feature.PROMETHEUS_OPERATOR: not existing.prometheus_operator,
        }
        return frozenset(feature for feature, on in wanted.items() if on)

    @property
    def active_services(self) -> tuple[ServiceSpec, ...]:
        """The catalog services this stack deploys (one object-storage backend's, its features')."""
        return active_services(self.config.object_storage.backend, self.features)

    @property
    def active_flows(self) -> tuple[Flow, ...]:
        """The catalog flows between the services this stack deploys."""
        return active_flows(self.config.object_storage.backend, self.features)

    @property
    def metrics_retention_days(self) -> int:
        """How long Prometheus keeps metrics (`observability.metrics_retention_days`, by topology when unset)."""
        configured = self.config.observability.metrics_retention_days
        return {Topology.DEV: 3, Topology.STAGING: 7, Topology.PROD: 15}[self.topology] if configured is None else configured

    @property
    def sample_data(self) -> bool:
        """Whether the stack loads the dbt project's sample seeds (`lakehouse.sample_data`, by topology when unset)."""
        configured = self.config.lakehouse.sample_data
        return self.topology is Topology.DEV if configured is None else configured

    @property
    def valkey_persistence(self) -> bool:
        """Whether Valkey keeps an append-only file (`superset.valkey_persistence`, by topology when unset)."""
        configured = self.config.superset.valkey_persistence
        return self.topology is not Topology.DEV if configured is None else configured

    @property
    def offsite_backups(self) -> bool:
        """`backups.offsite.enabled`, or its default: off in dev, on in staging and prod."""
        return offsite_enabled(self.config.backups, dev=self.topology is Topology.DEV)

    @property
    def protect_data(self) -> bool:
        """Guard the data stores against `pulumi destroy` and replacements: staging and prod, unless lifted by
        `cluster.allow_data_deletion` for a decommission."""
        return self.topology is not Topology.DEV and not self.config.cluster.allow_data_deletion

    @property
    def instance(self) -> str:
        """`app.kubernetes.io/instance` of everything this stack deploys."""
        return f"{self.project}-{self.stack}"

    def namespace(self, zone: str) -> str:
        return f"{self.config.namespace_prefix}-{zone}"
