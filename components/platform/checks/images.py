"""The image check: every image the program builds has somewhere to go, or is supplied already pushed."""

from __future__ import annotations

from components.platform.errors import ConfigurationError
from components.platform.settings import PlatformSettings


class ImageError(ConfigurationError):
    """The program would have to build an image but has no registry to push it to."""


def check_images(settings: PlatformSettings) -> None:
    problem = settings.config.images.unbuildable()
    if problem:
        message = f"{settings.project}:{problem}"
        raise ImageError(f"stack {settings.stack!r}: an image cannot be built; nothing was deployed.\n  - {message}", [message])
