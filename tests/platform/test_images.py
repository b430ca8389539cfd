"""The image check and the built images' references (components/platform/images.py, checks/images.py)."""

from __future__ import annotations

import json

import pytest


def test_a_stack_without_a_registry_or_a_supplied_image_is_refused_before_anything_is_declared() -> None:
    from components.platform import checks
    from components.platform.checks.images import ImageError
    from components.platform.settings import parse_settings

    settings = parse_settings({"topology": "dev"}, stack="dev")
    with pytest.raises(ImageError) as caught:
        checks.run(settings)
    assert caught.value.problems == [
        "data-platform:images: the dbt, superset images are built by the program, which needs a registry to push to. "
        "Fix: `pulumi config set --path images.registry <host>/<path>` (e.g. localhost:5000/data-platform for a local "
        "registry), or name an already-pushed image: `pulumi config set --path images.dbt <image>@sha256:<digest>`"
    ]


def test_supplying_every_image_needs_no_registry() -> None:
    from components.platform import checks
    from components.platform.settings import parse_settings

    digest = "@sha256:" + "a" * 64
    images = {"dbt": f"ghcr.io/acme/dbt:1{digest}", "superset": f"ghcr.io/acme/superset:1{digest}"}
    checks.run(parse_settings({"topology": "dev", "images": json.dumps(images)}, stack="dev"))
