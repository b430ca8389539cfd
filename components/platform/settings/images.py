"""`images`: where the images the program builds are pushed, or which already-pushed images to use."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import field_validator

from components.platform.settings.base import SettingsGroup

_REGISTRY = re.compile(r"(?P<host>[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?)(/[a-z0-9]+([._/-][a-z0-9]+)*)?")
_PINNED = re.compile(r"[a-z0-9][a-z0-9.:-]*(/[a-z0-9]+([._/-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?@sha256:[0-9a-f]{64}")
BUILT_IMAGES = ("dbt", "superset")
"""The images the program builds from `images/<name>/`, each replaceable by an already-pushed one."""


class ImageSettings(SettingsGroup):
    """`images`: the program builds its own images (dbt, Superset) and pushes them to `registry`, unless a key names an
    already-pushed image by digest; then nothing is built and `pulumi up` needs no Docker daemon."""

    secret_keys: ClassVar[dict[str, str]] = {
        "images_registry_password": "the password or token for `images.registry_username` at `images.registry` "
        "(unset: the Docker credentials of the machine running `pulumi up`, or none).",
    }

    registry: str | None = None
    """Registry and repository prefix the built images are pushed to, e.g. `ghcr.io/acme/data-platform` (the dbt image becomes `<registry>/dbt:<content hash>`). Needs a Docker daemon (BuildKit) where `pulumi up` runs. The cluster's nodes must be able to pull from it."""
    registry_username: str | None = None
    """User for `registry`, with the secret key `images_registry_password`. Unset: the machine's own Docker login (or an anonymous push, e.g. to a local registry)."""
    dbt: str | None = None
    """An already-pushed dbt image, by digest (`registry/repository:tag@sha256:...`, built from `images/dbt/`): nothing is built."""
    superset: str | None = None
    """An already-pushed Superset image, by digest (built from `images/superset/`): nothing is built."""

    @field_validator("registry")
    @classmethod
    def _registry(cls, value: str | None) -> str | None:
        if value is None:
            return value
        match = _REGISTRY.fullmatch(value)
        host = match.group("host") if match else ""
        # Without a host ("acme/images"), Docker would silently push to Docker Hub.
        if not match or not ("." in host or ":" in host or host == "localhost"):
            raise ValueError(
                "give the registry's host and an optional path, without a scheme, e.g. `ghcr.io/acme/data-platform` or "
                "`localhost:5000/data-platform`. Fix: `pulumi config set --path images.registry ghcr.io/<org>/data-platform`"
            )
        return value.rstrip("/")

    @field_validator(*BUILT_IMAGES)
    @classmethod
    def _pinned(cls, value: str | None) -> str | None:
        if value is not None and not _PINNED.fullmatch(value):
            raise ValueError(
                "name the image by digest (`registry/repository:tag@sha256:<64 hex>`); a tag alone can change under "
                "a running platform. Fix: `pulumi config set --path images.<name> $(crane digest --full-ref <image>:<tag>)`"
            )
        return value

    def unbuildable(self) -> str | None:
        """Why the images cannot be had (built images but nowhere to push them); None when they can."""
        missing = [name for name in BUILT_IMAGES if getattr(self, name) is None]
        if not missing or self.registry is not None:
            return None
        return (
            f"images: the {', '.join(missing)} image{'s are' if len(missing) > 1 else ' is'} built by the program, which "
            "needs a registry to push to. Fix: `pulumi config set --path images.registry <host>/<path>` (e.g. "
            f"localhost:5000/data-platform for a local registry), or name an already-pushed image: "
            f"`pulumi config set --path images.{missing[0]} <image>@sha256:<digest>`"
        )

    def required_secret_keys(self) -> dict[str, str]:
        if self.registry_username is None:
            return {}
        return {"images_registry_password": "required with images.registry_username"}

    def unused_secret_reason(self, key: str) -> str | None:
        if key == "images_registry_password" and self.registry_username is None:
            return "only used with images.registry_username, which this stack does not set"
        return None
