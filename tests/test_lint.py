"""The lint gate (ruff, configured in ruff.toml) runs with the tests, so CI enforces it."""

from __future__ import annotations

import subprocess
import sys

from tests.support.stacks import PROJECT_ROOT


def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
