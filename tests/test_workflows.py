"""The GitHub Actions workflows: GitHub's workflow schema (check-jsonschema's vendored copy) and zizmor's
security audit, offline, with no finding; and the rules the README promises (actions pinned by commit, explicit
least permissions, no pull_request_target, the drift logic in scripts/drift)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.stacks import PROJECT_ROOT

WORKFLOWS = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))
BIN = PROJECT_ROOT / ".venv" / "bin"


def test_the_three_workflows_and_their_reusable_stage_exist() -> None:
    assert [w.name for w in WORKFLOWS] == ["deploy-stack.yml", "deploy.yml", "drift.yml", "preview.yml"]


def test_every_workflow_matches_githubs_schema() -> None:
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--config", str(PROJECT_ROOT / ".github" / "zizmor.yml"), "--format", "plain",
         str(PROJECT_ROOT / ".github" / "workflows")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0 and "No findings to report" in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(workflow: Path) -> None:
    text = workflow.read_text()
    document = yaml.safe_load(text)
    triggers = document.get(True) or document.get("on")  # YAML 1.1 reads the key `on` as true
    assert "pull_request_target" not in triggers
    assert document["permissions"] == {}, "the workflow grants nothing by default; each job asks for what it needs"
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{workflow.name}: job {name} declares its permissions"
        assert "write-all" not in str(job["permissions"])
    for action in re.findall(r"uses:\s*([^\s#]+)", text):
        if action.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{workflow.name}: {action} is not pinned by commit SHA"


def test_drift_and_preview_do_what_the_readme_says() -> None:
    drift = (PROJECT_ROOT / ".github" / "workflows" / "drift.yml").read_text()
    assert "./scripts/drift" in drift and "schedule" in drift and "workflow_dispatch" in drift
    preview = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "preview.yml").read_text())
    steps = preview["jobs"]["preview"]["steps"]
    pulumi = next(s for s in steps if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["comment-on-pr"] is True and pulumi["with"]["edit-pr-comment"] is True
    assert pulumi["with"]["policyPacks"] == "policy" and pulumi["if"] == "env.FORK == 'false'"
    deploy = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    assert deploy["jobs"]["staging"]["needs"] == "dev" and deploy["jobs"]["prod"]["needs"] == "staging"
    stage = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "deploy-stack.yml").read_text())["jobs"]["up"]
    assert stage["environment"] == "${{ inputs.stack }}" and stage["concurrency"]["cancel-in-progress"] is False
