"""The pinned-versions module: well-formed pins, and every image the program deploys comes from it."""

from __future__ import annotations

import re

import pytest

from components.platform import versions
from components.platform.security_exceptions import UNPINNED_IMAGES
from components.platform.settings.images import BUILT_IMAGES
from offline.manifests import Manifest, pod_templates
from tests.support.stacks import PROJECT_ROOT


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


def test_every_deployed_image_is_pinned_in_the_versions_module_or_built(manifests: tuple[Manifest, ...]) -> None:
    # The shipped stacks set no Dremio digest: its image runs by tag, as the exception says. Images the
    # program builds (images/<name>/) are pushed to the stack's registry and run by the digest it returned.
    pinned = {image.reference_with(image.digest) for image in versions.IMAGES}
    built = re.compile(rf"[a-z0-9.:-]+/[a-z0-9/._-]+/({'|'.join(BUILT_IMAGES)}):[0-9a-f]{{16}}@sha256:[0-9a-f]{{64}}")
    for manifest, pod in pod_templates(manifests):
        spec = pod.get("spec") or {}
        for container in [*spec.get("initContainers", []), *spec.get("containers", [])]:
            image = container["image"]
            assert image in pinned or built.fullmatch(image), f"{manifest.identity}: {image} is not in versions.py"


def test_the_dockerfiles_bases_are_pinned_in_the_versions_module() -> None:
    bases = {"dbt": versions.PYTHON_BASE, "superset": versions.SUPERSET_BASE}
    for dockerfile in (PROJECT_ROOT / "images").glob("*/Dockerfile"):
        froms = [line.split()[1] for line in dockerfile.read_text().splitlines() if line.startswith("FROM ")]
        assert froms == [bases[dockerfile.parent.name].reference], f"{dockerfile}: FROM must be its pin in versions.py"
