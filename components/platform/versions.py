"""Every external artefact the platform deploys, pinned in one place: images by tag and digest, charts by version.

Rules (enforced by tests/platform/test_versions.py and by the manifest checks on every stack):

* an image is referenced as `registry/repository:tag@sha256:<digest>`, never by tag alone and never
  `latest`; the tag documents the version, the digest makes the pull reproducible;
* nothing is pulled from `docker.io/minio/*`: MinIO deleted those repositories on 2026-09-12;
* every pin says where its digest was confirmed, so an update can be checked the same way.

Charts are pinned by version; the operator images they render are pinned by the tags the chart
version fixes. Their digests are not overridden here because they could not be confirmed offline;
re-check them with `crane digest <image>` when bumping a chart (README, "Upgrading pins").

The `# renovate:` comments let a dependency bot propose updates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True, kw_only=True)
class ImagePin:
    registry: str
    repository: str
    tag: str
    digest: str | None
    """None only for an image whose digest could not be confirmed anywhere: it is listed in
    `security_exceptions.UNPINNED_IMAGES` with the reason, and a stack setting supplies the digest."""
    source: str
    """Where the digest was confirmed (registry API, release notes, or independent public pins)."""

    def __post_init__(self) -> None:
        if self.digest is not None and not _DIGEST.match(self.digest):
            raise ValueError(f"{self.repository}: digest {self.digest!r} is not sha256:<64 hex>")
        if self.tag == "latest":
            raise ValueError(f"{self.repository}: pin a release tag, not latest")
        if self.registry == "docker.io" and self.repository.startswith("minio/"):
            raise ValueError(f"{self.repository}: docker.io/minio/* no longer exists; use quay.io/minio")

    @property
    def reference(self) -> str:
        if self.digest is None:
            raise ValueError(f"{self.repository}:{self.tag} has no confirmed digest; use reference_with(<digest from settings>)")
        return self.reference_with(self.digest)

    def reference_with(self, digest: str | None) -> str:
        """`registry/repository:tag@digest`, or `registry/repository:tag` when no digest is known (an
        exception listed in `security_exceptions.UNPINNED_IMAGES`)."""
        if digest is not None and not _DIGEST.match(digest):
            raise ValueError(f"{self.repository}: digest {digest!r} is not sha256:<64 hex>")
        base = f"{self.registry}/{self.repository}:{self.tag}"
        return f"{base}@{digest}" if digest else base


@dataclass(frozen=True, kw_only=True)
class ChartPin:
    repository: str
    chart: str
    version: str
    app_version: str
    release: str
    """Helm release name; fixed, because the chart derives its pods' instance label from it and the
    NetworkPolicies select on that label (`ServiceSpec.chart_pod_labels`)."""


# renovate: datasource=docker depName=quay.io/minio/minio
MINIO = ImagePin(
    registry="quay.io",
    repository="minio/minio",
    # The last community release. MinIO stopped publishing free images in October 2025 and archived the
    # project in 2026; this image receives no security fixes (see README, "Object storage").
    tag="RELEASE.2025-09-07T16-13-09Z",
    digest="sha256:14cea493d9a34af32f524e538b8346cf79f3321eff8e708c1e2960462bd8936e",
    source="index digest pinned identically by many public projects after the Docker Hub removal",
)

# renovate: datasource=docker depName=ghcr.io/cloudnative-pg/postgresql
POSTGRESQL = ImagePin(
    registry="ghcr.io",
    repository="cloudnative-pg/postgresql",
    tag="17.6",
    digest="sha256:30b304a2e300ed80b6d1b740e4369e9b0f25599fb518de78c01fd9f25531791b",
    source="index digest pinned identically by several public CloudNativePG deployments",
)

# renovate: datasource=docker depName=quay.io/minio/mc
MINIO_CLIENT = ImagePin(
    registry="quay.io",
    repository="minio/mc",
    tag="RELEASE.2025-08-13T08-35-41Z",
    digest="sha256:a7fe349ef4bd8521fb8497f55c6042871b2ae640607cf99d9bede5e9bdf11727",
    source="index digest pinned identically by many public projects (also used against SeaweedFS: plain S3)",
)

# renovate: datasource=docker depName=docker.io/rclone/rclone
RCLONE = ImagePin(
    registry="docker.io",
    repository="rclone/rclone",
    # The offsite mirror: rclone's own image (the MinIO client is frozen; rclone speaks S3 to any store).
    tag="1.75.1",
    digest="sha256:45401ad7410db1d67ffdb58e19059ad20b0d8e0285a60e38bbec55cc1019c7a5",
    source="digest pinned by a public project's Dockerfile (FROM rclone/rclone:1.75.1@sha256:...); not re-checked against the registry here",
)

# renovate: datasource=docker depName=docker.io/chrislusf/seaweedfs
SEAWEEDFS = ImagePin(
    registry="docker.io",
    repository="chrislusf/seaweedfs",
    tag="4.47",
    digest="sha256:ce9e796f1fe6f06968f4c04bdaf8f678dad9c8acdfef3d244133d71bfa6bf882",
    source="one public pin (a compatibility-test script); the tests run 4.48 from PyPI against the same S3 API",
)

# renovate: datasource=docker depName=docker.elastic.co/elasticsearch/elasticsearch
ELASTICSEARCH = ImagePin(
    registry="docker.elastic.co",
    repository="elasticsearch/elasticsearch",
    tag="9.1.4",
    digest="sha256:62a245d92e8d14440e1e43a1b4f08d37aef316d82f198b4f878985948aa2d1d8",
    source="one public pin (a compose template and its test); confirm with `crane digest` before the first prod deploy",
)

# renovate: datasource=docker depName=docker.io/dremio/dremio-oss
DREMIO = ImagePin(
    registry="docker.io",
    repository="dremio/dremio-oss",
    # The newest Community Edition tag seen in public use (registry surveys of August 2026); later 26.x
    # patches are published for Enterprise only. Dremio versions are not backwards compatible: never
    # move this tag without the upgrade steps in docs/layers/processing.md.
    tag="26.0.5",
    digest=None,
    source="no public pin of this tag's digest could be found offline: set processing.dremio_image_digest "
    "from `crane digest docker.io/dremio/dremio-oss:26.0.5` (see docs/layers/processing.md)",
)

# renovate: datasource=docker depName=docker.io/library/zookeeper
ZOOKEEPER = ImagePin(
    registry="docker.io",
    repository="library/zookeeper",
    # The Docker Official Image (maintained in 31z4/zookeeper-docker), not Bitnami's frozen one.
    tag="3.9.4",
    digest="sha256:dfa9ba46d14bd52bcb3c1dac3ba91f179cf4cebf7ee576e1c2df09c68fc1d30d",
    source="the newest of several public pins of 3.9.4 (official images are rebuilt on base-image updates, "
    "so older pins carry older digests); confirm with `crane digest` before the first prod deploy",
)

# renovate: datasource=docker depName=docker.io/curlimages/curl
CURL = ImagePin(
    registry="docker.io",
    repository="curlimages/curl",
    # The curl project's own image: the platform's Jobs that call a service's REST API use it.
    tag="8.16.0",
    digest="sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
    source="OCI index digest pinned identically by many public projects",
)

# renovate: datasource=docker depName=docker.io/library/python
PYTHON_BASE = ImagePin(
    registry="docker.io",
    repository="library/python",
    # The base of the images the program builds (images/*/Dockerfile): dbt-dremio supports Python 3.11.
    tag="3.11-slim-bookworm",
    digest="sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b",
    source="pinned identically by two public Dockerfiles; the Dockerfiles' FROM lines must equal this pin (a test checks)",
)

# renovate: datasource=docker depName=docker.io/apache/superset
SUPERSET_BASE = ImagePin(
    registry="docker.io",
    repository="apache/superset",
    # The base of images/superset/ (the "lean" 6.1.0 build, which ships no database drivers).
    tag="6.1.0",
    digest="sha256:fb3464528ec7076f91195f0ff7835755aa023e281f1bb78a84782ce7a36b3705",
    source="index digest pinned identically by many public projects",
)

# renovate: datasource=docker depName=docker.io/valkey/valkey
VALKEY = ImagePin(
    registry="docker.io",
    repository="valkey/valkey",
    # The maintained fork of Redis (BSD licensed): Superset's cache and Celery broker.
    tag="8.1-alpine",
    digest="sha256:e0eb7c480958d32bdc4357a74bdd70653ae15f2f9b4c93c4a5a9fad1dc471c84",
    source="pinned identically by several public projects; confirm with `crane digest` before the first prod deploy",
)

# renovate: datasource=docker depName=docker.io/prom/statsd-exporter
STATSD_EXPORTER = ImagePin(
    registry="docker.io",
    repository="prom/statsd-exporter",
    # Turns Superset's StatsD metrics into Prometheus metrics (a sidecar of the web pods).
    tag="v0.29.0",
    digest="sha256:632f705804922d50c1c95ba8ff9c8c0cc18d4bbb0cc265dc4f9ae708271c95b3",
    source="one public pin; confirm with `crane digest` before the first prod deploy",
)

# renovate: datasource=docker depName=docker.io/oliver006/redis_exporter
REDIS_EXPORTER = ImagePin(
    registry="docker.io",
    repository="oliver006/redis_exporter",
    # Valkey's metrics (it speaks the Redis protocol), as a sidecar of the Valkey pod.
    tag="v1.76.0",
    digest="sha256:1542bc6a88decfc16db6603045accd502cc3a46c46659d7cfd568e1f6965fe59",
    source="one public pin (a provisioning script); confirm with `crane digest` before the first prod deploy",
)

# renovate: datasource=docker depName=ghcr.io/prometheus-community/elasticsearch-exporter
ELASTICSEARCH_EXPORTER = ImagePin(
    registry="ghcr.io",
    repository="prometheus-community/elasticsearch-exporter",
    tag="v1.11.0",
    digest="sha256:54c6d05ae745c12643501b2b056474faab530ad4b963ff2bceecc6aefc650869",
    source="one public pin, of the linux/amd64 manifest (not the index): arm64 nodes need the index digest "
    "from `crane digest ghcr.io/prometheus-community/elasticsearch-exporter:v1.11.0`",
)

# renovate: datasource=docker depName=docker.io/otel/opentelemetry-collector-contrib
OTEL_COLLECTOR = ImagePin(
    registry="docker.io",
    repository="otel/opentelemetry-collector-contrib",
    # contrib, not core: the Prometheus exporter is only in contrib.
    tag="0.151.0",
    digest="sha256:d57bfe8eee2378f31cb1193239fbcac521d54a5a071fca2bfc106916a32b892d",
    source="one public pin (a Terraform module's default); confirm with `crane digest` before the first prod deploy",
)

# renovate: datasource=docker depName=cr.jaegertracing.io/jaegertracing/jaeger
JAEGER = ImagePin(
    registry="cr.jaegertracing.io",
    repository="jaegertracing/jaeger",
    # Jaeger v2 (built on the OpenTelemetry Collector), with Elasticsearch storage.
    tag="2.17.0",
    digest="sha256:6266573208d665ce5c17483bce0a75d0806480d92c84766d288d0aee885ce708",
    source="one public pin of the multi-arch index; confirm with `crane digest` before the first prod deploy",
)

# renovate: datasource=docker depName=docker.elastic.co/kibana/kibana
KIBANA = ImagePin(
    registry="docker.elastic.co",
    repository="kibana/kibana",
    # Kibana's version must equal Elasticsearch's.
    tag=ELASTICSEARCH.tag,
    digest=None,
    source="no public pin of this tag's digest could be found offline: set observability.kibana_image_digest "
    "from `crane digest docker.elastic.co/kibana/kibana:<version>` (see docs/layers/observability.md)",
)

# renovate: datasource=helm registryUrl=https://charts.jetstack.io depName=cert-manager
CERT_MANAGER = ChartPin(
    repository="https://charts.jetstack.io", chart="cert-manager", version="v1.19.1", app_version="v1.19.1",
    release="cert-manager",
)
# renovate: datasource=helm registryUrl=https://cloudnative-pg.github.io/charts depName=cloudnative-pg
CLOUDNATIVE_PG = ChartPin(
    repository="https://cloudnative-pg.github.io/charts", chart="cloudnative-pg", version="0.29.0",
    app_version="1.30.0", release="cloudnative-pg",
)
# renovate: datasource=helm registryUrl=https://cloudnative-pg.github.io/charts depName=plugin-barman-cloud
BARMAN_CLOUD_PLUGIN = ChartPin(
    repository="https://cloudnative-pg.github.io/charts", chart="plugin-barman-cloud", version="0.7.0",
    app_version="v0.13.0", release="plugin-barman-cloud",
)
# renovate: datasource=helm registryUrl=https://helm.elastic.co depName=eck-operator
ECK_OPERATOR = ChartPin(
    repository="https://helm.elastic.co", chart="eck-operator", version="3.4.0", app_version="3.4.0",
    release="eck-operator",
)

# Pinned ahead of their layers: the catalog records the pod labels these exact versions render.
# renovate: datasource=helm registryUrl=https://airbytehq.github.io/charts depName=airbyte
AIRBYTE = ChartPin(
    repository="https://airbytehq.github.io/charts", chart="airbyte", version="2.2.0", app_version="2.2.0",
    release="airbyte",
)
# renovate: datasource=helm registryUrl=https://prometheus-community.github.io/helm-charts depName=kube-prometheus-stack
KUBE_PROMETHEUS_STACK = ChartPin(
    repository="https://prometheus-community.github.io/helm-charts", chart="kube-prometheus-stack", version="88.5.3",
    app_version="v0.93.1", release="kube-prometheus-stack",
)
# renovate: datasource=helm registryUrl=https://fluent.github.io/helm-charts depName=fluent-bit
FLUENT_BIT = ChartPin(
    repository="https://fluent.github.io/helm-charts", chart="fluent-bit", version="0.58.1", app_version="5.1.1",
    release="fluent-bit",
)

IMAGES: tuple[ImagePin, ...] = (
    MINIO, MINIO_CLIENT, SEAWEEDFS, POSTGRESQL, ELASTICSEARCH, DREMIO, ZOOKEEPER, CURL, PYTHON_BASE, SUPERSET_BASE,
    VALKEY, STATSD_EXPORTER, REDIS_EXPORTER, ELASTICSEARCH_EXPORTER, OTEL_COLLECTOR, JAEGER, KIBANA, RCLONE,
)
CHARTS: tuple[ChartPin, ...] = (
    CERT_MANAGER, CLOUDNATIVE_PG, BARMAN_CLOUD_PLUGIN, ECK_OPERATOR, AIRBYTE, KUBE_PROMETHEUS_STACK, FLUENT_BIT,
)
