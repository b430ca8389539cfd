"""Running `dbt build` and reading what it did from its artifacts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from runner.config import Dremio, env


@dataclass
class RunSummary:
    """One `dbt build`, as recorded in the run history and exported as metrics."""

    returncode: int
    invocation_id: str | None = None
    dbt_version: str | None = None
    models: dict[str, dict] = field(default_factory=dict)
    """Model name → {"status", "seconds"}."""
    tests: dict[str, int] = field(default_factory=dict)
    """Test status (pass, fail, warn, error, skipped) → count."""
    marts: list[list[str]] = field(default_factory=list)
    """The catalog paths of the tables the marts were written to (for reflection refreshes)."""

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0

    @property
    def test_failures(self) -> int:
        return self.tests.get("fail", 0) + self.tests.get("error", 0)

    def metadata(self) -> dict:
        return {"invocation_id": self.invocation_id, "dbt_version": self.dbt_version, "models": self.models, "tests": self.tests}


def build(dremio: Dremio, *, sample_data: bool) -> RunSummary:
    """`dbt build` over the whole project (seeds only with sample data), output streamed to the pod's log."""
    project = env("DBT_PROJECT_DIR")
    command = ["dbt", "build", "--project-dir", project, "--profiles-dir", project]
    if not sample_data:
        command += ["--exclude", "resource_type:seed"]
    child_env = {
        **os.environ,
        "DREMIO_USER": dremio.username,
        "DREMIO_PASSWORD": dremio.password,
        "DO_NOT_TRACK": "1",
    }
    print(f"runner: {' '.join(command)}", flush=True)
    returncode = subprocess.run(command, env=child_env, check=False, stdout=sys.stdout, stderr=sys.stderr).returncode
    return read_artifacts(Path(env("DBT_TARGET_PATH")), returncode)


def read_artifacts(target: Path, returncode: int) -> RunSummary:
    summary = RunSummary(returncode=returncode)
    results_path, manifest_path = target / "run_results.json", target / "manifest.json"
    if not results_path.is_file() or not manifest_path.is_file():
        return summary  # dbt stopped before running anything (a parse or connection error)
    results, manifest = json.loads(results_path.read_text()), json.loads(manifest_path.read_text())
    summary.invocation_id = results["metadata"].get("invocation_id")
    summary.dbt_version = results["metadata"].get("dbt_version")
    nodes = manifest["nodes"]
    for result in results["results"]:
        node = nodes.get(result["unique_id"], {})
        kind = node.get("resource_type") or result["unique_id"].split(".", 1)[0]
        if kind == "model":
            summary.models[node["name"]] = {"status": result["status"], "seconds": round(result["execution_time"], 3)}
            if "marts" in node.get("fqn", []) and result["status"] == "success":
                summary.marts.append([node["database"], *node["schema"].split("."), node["alias"]])
        elif kind == "test":
            summary.tests[result["status"]] = summary.tests.get(result["status"], 0) + 1
    return summary

