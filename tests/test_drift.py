"""scripts/drift with a fake `pulumi` (exit codes 0, 7, 255 and 4, sample output) and a fake `gh` on PATH: drift
opens or updates one issue per stack, a clean run closes it, and a failed check claims nothing and fails."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.stacks import PROJECT_ROOT

FAKES = PROJECT_ROOT / "tests" / "support" / "fakes"
DIFF = """Previewing refresh (prod):
~ kubernetes:apps/v1:Deployment presentation-superset-web refresh [diff: ~spec]
    ~ spec: {
        ~ replicas: 3 => 1
      }
Resources:
    ~ 1 to update
    254 unchanged
"""


def drift(tmp_path: Path, exit_code: int, stack: str = "prod", output: str = DIFF) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{FAKES}:{os.environ['PATH']}",
        "FAKE_GH_STATE": str(tmp_path / "gh.json"),
        "FAKE_PULUMI_ARGS": str(tmp_path / "pulumi-args"),
        "FAKE_PULUMI_EXIT": str(exit_code),
        "FAKE_PULUMI_OUTPUT": output,
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/data-platform", "GITHUB_RUN_ID": "42",
    }
    return subprocess.run([str(PROJECT_ROOT / "scripts" / "drift"), stack], env=env, capture_output=True, text=True, timeout=60, check=False)


def state(tmp_path: Path) -> dict:
    path = tmp_path / "gh.json"
    return json.loads(path.read_text()) if path.exists() else {"issues": [], "calls": []}


def test_drift_opens_one_issue_with_the_diff_then_updates_it(tmp_path: Path) -> None:
    first = drift(tmp_path, 7)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "pulumi-args").read_text().split("\n") == [
        "refresh", "--preview-only", "--expect-no-changes", "--diff", "--non-interactive", "--stack", "prod"]
    (issue,) = state(tmp_path)["issues"]
    assert issue["title"] == "Drift in stack prod" and issue["labels"] == ["drift"] and issue["state"] == "open"
    assert "replicas: 3 => 1" in issue["body"] and "https://github.com/acme/data-platform/actions/runs/42" in issue["body"]
    assert "pulumi up --refresh --stack prod" in issue["body"]
    second = drift(tmp_path, 7, output=DIFF.replace("3 => 1", "3 => 2"))
    assert second.returncode == 0
    (issue,) = state(tmp_path)["issues"]
    assert "3 => 2" in issue["body"] and issue["comments"] and "Still drifting" in issue["comments"][0]


def test_each_stack_has_its_own_issue_and_a_clean_run_closes_only_its_own(tmp_path: Path) -> None:
    drift(tmp_path, 7, stack="prod")
    drift(tmp_path, 7, stack="staging")
    clean = drift(tmp_path, 0, stack="prod", output="Resources:\n    255 unchanged\n")
    assert clean.returncode == 0 and "closed issue #1" in clean.stdout
    issues = {i["title"]: i for i in state(tmp_path)["issues"]}
    assert issues["Drift in stack prod"]["state"] == "closed" and "No drift" in issues["Drift in stack prod"]["comments"][-1]
    assert issues["Drift in stack staging"]["state"] == "open"


def test_a_clean_run_without_an_issue_changes_nothing(tmp_path: Path) -> None:
    result = drift(tmp_path, 0, output="")
    assert result.returncode == 0 and "is clean" in result.stdout
    assert [call[:2] for call in state(tmp_path)["calls"]] == [["issue", "list"]]


@pytest.mark.parametrize("code", [255, 4])
def test_a_failed_check_claims_no_drift_and_fails_the_run(tmp_path: Path, code: int) -> None:
    drift(tmp_path, 7)  # an issue is open from an earlier night
    before = state(tmp_path)
    result = drift(tmp_path, code, output="error: failed to refresh: the cluster is unreachable\n")
    assert result.returncode == code
    assert "the check itself failed" in result.stderr and "says nothing about drift" in result.stderr
    after = state(tmp_path)
    assert after["issues"] == before["issues"], "no issue is opened, changed or closed"
    assert after["calls"] == before["calls"], "gh is not even asked"
