"""Every external artefact the platform deploys, pinned in one place: images by tag and digest, charts by version.

Rules (enforced by tests/test_versions.py and by the manifest checks on every stack):

* an image is referenced as `registry/repository:tag@sha256:<digest>`, never by tag alone and never
  `latest`; the tag documents the version, the digest makes the pull reproducible;
* nothing is pulled from `docker.io/minio/*`: MinIO deleted those repositories on 2026-09-12;
* every pin says where its digest was confirmed, so an update can be checked the same way.

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
    digest: str
    source: str
    """Where the digest was confirmed (registry API, release notes, or independent public pins)."""

    def __post_init__(self) -> None:
        if not _DIGEST.match(self.digest):
            raise ValueError(f"{self.repository}: digest {self.digest!r} is not sha256:<64 hex>")
        if self.tag == "latest":
            raise ValueError(f"{self.repository}: pin a release tag, not latest")
        if self.registry == "docker.io" and self.repository.startswith("minio/"):
            raise ValueError(f"{self.repository}: docker.io/minio/* no longer exists; use quay.io/minio")

    @property
    def reference(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}@{self.digest}"


@dataclass(frozen=True, kw_only=True)
class ChartPin:
    repository: str
    chart: str
    version: str
    app_version: str


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

IMAGES: tuple[ImagePin, ...] = (MINIO, POSTGRESQL)
CHARTS: tuple[ChartPin, ...] = ()
