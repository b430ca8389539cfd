"""The pinned-versions module: well-formed pins, and every image the program deploys comes from it."""

from __future__ import annotations

import pytest

from components.platform import versions
from components.platform.security_exceptions import UNPINNED_IMAGES
from offline.manifests import Manifest, pod_templates


def test_pins_are_well_formed_and_unique() -> None:
    references = [image.reference_with(image.digest) for image in versions.IMAGES]
    assert len(set(references)) == len(references)
    for image in versions.IMAGES:
        assert image.source, f"{image.repository}: say where the digest was confirmed"


def test_an_image_without_a_digest_is_a_declared_exception_and_takes_its_digest_from_settings() -> None:
    unpinned = {f"{image.registry}/{image.repository}" for image in versions.IMAGES if image.digest is None}
    assert unpinned == set(UNPINNED_IMAGES)
    with pytest.raises(ValueError, match="no confirmed digest"):
        _ = versions.DREMIO.reference
    digest = "sha256:" + "b" * 64
    assert versions.DREMIO.reference_with(digest) == f"docker.io/dremio/dremio-oss:{versions.DREMIO.tag}@{digest}"
    with pytest.raises(ValueError, match="is not sha256"):
        versions.DREMIO.reference_with("sha256:short")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tag": "latest"}, "not latest"),
        ({"digest": "sha256:abc"}, "is not sha256:<64 hex>"),
        ({"registry": "docker.io", "repository": "minio/minio"}, "no longer exists"),
    ],
)
def test_bad_pins_are_refused(fields: dict, message: str) -> None:
    base = {
        "registry": "quay.io", "repository": "example/app", "tag": "1.0", "digest": "sha256:" + "a" * 64, "source": "x",
    }
    with pytest.raises(ValueError, match=message):
        versions.ImagePin(**{**base, **fields})


def test_every_deployed_image_is_pinned_in_the_versions_module(manifests: tuple[Manifest, ...]) -> None:
    # The shipped stacks set no Dremio digest: its image runs by tag, as the exception says.
    pinned = {image.reference_with(image.digest) for image in versions.IMAGES}
    for manifest, pod in pod_templates(manifests):
        spec = pod.get("spec") or {}
        for container in [*spec.get("initContainers", []), *spec.get("containers", [])]:
            assert container["image"] in pinned, f"{manifest.identity}: {container['image']} is not in versions.py"
