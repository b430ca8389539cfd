"""The scripts a user runs: scripts/setup and scripts/up, in restricted environments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stacks import PROJECT_ROOT

BASICS = ("bash", "cat", "sha256sum", "cut", "dirname", "ls", "sed", "tr", "env", "grep", "flock", "printf")


def run(command: list[str], path: Path | None = None, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ} if path is None else {"PATH": str(path), "HOME": str(home)}
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def bin_with(tmp_path: Path, fakes: dict[str, str] | None = None) -> Path:
    """A PATH with only the basics, this Python as python3, and fake tools given as shell scripts."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for tool in BASICS:
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        if found:
            (directory / tool).symlink_to(found)
    (directory / "python3").symlink_to(os.path.realpath(sys.executable))
    for name, script in (fakes or {}).items():
        (directory / name).write_text(f"#!/usr/bin/env bash\n{script}\n")
        (directory / name).chmod(0o755)
    return directory


def test_setup_modes_in_turn_reinstall_nothing() -> None:
    """The runtime set-up is satisfied by the test set-up and never downgrades it (the stamp lists files)."""
    for arguments in (["scripts/setup"], ["scripts/setup", "--test"], ["scripts/setup"]):
        result = run(arguments)
        assert result.returncode == 0, result.stderr
        assert "installing" not in result.stdout, result.stdout
        assert "==> .venv is up to date" in result.stdout


def test_up_without_any_prerequisite_lists_them_all_and_prints_the_plan(tmp_path: Path) -> None:
    result = run(["scripts/up", "dev"], bin_with(tmp_path), tmp_path)
    assert result.returncode == 3, result.stderr
    assert "The Pulumi CLI is not installed." in result.stderr
    assert f"No kubeconfig found ({tmp_path}/.kube/config)" in result.stderr
    assert "Nothing was deployed." in result.stderr
    assert "data-platform / dev: topology dev" in result.stdout


def test_up_names_a_missing_login_and_a_missing_context_together(tmp_path: Path) -> None:
    fakes = {"pulumi": 'echo "error: not logged in" >&2; exit 1', "kubectl": 'echo "error: current-context is not set" >&2; exit 1'}
    result = run(["scripts/up", "dev"], bin_with(tmp_path, fakes), tmp_path)
    assert result.returncode == 3, result.stderr
    assert "The Pulumi CLI is not logged in." in result.stderr
    assert "No Kubernetes context is selected." in result.stderr


@pytest.fixture
def broken_stack() -> str:
    name = f"invalid-{os.getpid()}"
    path = PROJECT_ROOT / f"Pulumi.{name}.yaml"
    path.write_text("config:\n  data-platform:topology: staging\n  data-platform:services:\n    postgresql:\n      replicas: 1\n")
    yield name
    path.unlink()


def test_up_with_invalid_settings_exits_2_before_anything_else(tmp_path: Path, broken_stack: str) -> None:
    result = run(["scripts/up", broken_stack], bin_with(tmp_path), tmp_path)
    assert result.returncode == 2, result.stderr
    assert "services.postgresql.replicas = 1: losing one host" in result.stderr
    assert "The Pulumi CLI is not installed." not in result.stderr, "settings are judged first"
