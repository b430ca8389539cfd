"""promtool and amtool, as `scripts/setup --test` unpacks them from Debian's packages into .tools/."""

from __future__ import annotations

import subprocess
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "prometheus" / "usr" / "bin"


def _tool(name: str) -> Path:
    path = TOOLS / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run scripts/setup --test, which unpacks Debian's prometheus packages there")
    return path


def run(tool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run promtool or amtool; the caller asserts on the result (the output names what failed)."""
    return subprocess.run([str(_tool(tool)), *args], capture_output=True, text=True, cwd=cwd, timeout=120)
