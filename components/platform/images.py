"""Images the program builds from `images/<name>/`, or takes already pushed, by digest.

A built image is tagged with a hash of everything that goes into it (its Dockerfile folder and the content
it copies, such as `lakehouse/dbt/`), so an unchanged input means the same tag, no rebuild and no change
in `pulumi preview`, and a changed one means a new tag that rolls the pods. It is built with BuildKit
(pulumi-docker-build) where `pulumi up` runs, pushed to `images.registry`, and referenced by the digest
the registry returned. A stack that names the image instead (`images.<name>`) builds nothing, so
`pulumi up` needs no Docker daemon.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_docker_build as docker_build

from components.platform.settings import PlatformSettings, secret_setting

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
IGNORED_PARTS = {"target", "logs", "dbt_packages", "__pycache__", ".pytest_cache"}
"""Paths whose files never go into an image (build output, caches), so they never change its tag."""
PLATFORM = "linux/amd64"


@dataclass(frozen=True, kw_only=True)
class ImageSource:
    """What an image is built from: `images/<name>/Dockerfile`, with the repository root as context."""

    name: str
    inputs: tuple[str, ...]
    """Folders (relative to the repository root) whose files the image copies; its tag is their hash."""

    @property
    def dockerfile(self) -> Path:
        return PROJECT_ROOT / "images" / self.name / "Dockerfile"


def input_files(inputs: Iterable[str], root: Path = PROJECT_ROOT) -> list[Path]:
    """Every file under the inputs that goes into the image, in a stable order."""
    files = []
    for folder in inputs:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not IGNORED_PARTS & set(relative.parts):
                files.append(path)
    return files


def content_hash(inputs: Iterable[str], root: Path = PROJECT_ROOT) -> str:
    """The first 16 hex digits of a SHA-256 over the inputs' relative paths and contents."""
    digest = hashlib.sha256()
    for path in input_files(inputs, root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def image_reference(
    resource_name: str, source: ImageSource, settings: PlatformSettings, parent: pulumi.Resource
) -> pulumi.Output[str]:
    """The image to run, by digest: the stack's `images.<name>`, or the one built and pushed now (as the
    child `resource_name` of `parent`)."""
    images = settings.config.images
    supplied = getattr(images, source.name)
    if supplied is not None:
        return pulumi.Output.from_input(supplied)
    assert images.registry is not None, "checks.images refuses a stack with neither a registry nor the image"
    tag = f"{images.registry}/{source.name}:{content_hash((f'images/{source.name}', *source.inputs))}"
    registries = []
    if images.registry_username is not None:
        registries.append(
            docker_build.RegistryArgs(
                address=images.registry.split("/", 1)[0],
                username=images.registry_username,
                password=secret_setting(settings, "images_registry_password"),
            )
        )
    image = docker_build.Image(
        resource_name,
        # Relative to the project (where `pulumi up` runs), so the state is the same from any checkout.
        context=docker_build.BuildContextArgs(location="."),
        dockerfile=docker_build.DockerfileArgs(location=f"images/{source.name}/Dockerfile"),
        platforms=[docker_build.Platform.LINUX_AMD64],
        tags=[tag],
        push=True,
        registries=registries or None,
        # A preview in a pull request usually runs without a Docker daemon: the build happens at `up`.
        build_on_preview=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return image.ref
