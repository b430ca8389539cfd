"""The README and docs/, the generated configuration reference, the offline plan and the scripts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from offline import config_reference
from tests.support.stacks import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()


def test_readme_leads_with_the_two_set_up_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["./scripts/up dev", "./scripts/test"]
    assert README.index(first_block.group(0)) < README.index("\n## ")


def test_configuration_reference_is_in_sync_with_the_declarations() -> None:
    assert config_reference.REFERENCE.read_text() == config_reference.render(), (
        "docs/configuration.md is stale: run `python -m offline.config_reference --write`"
    )


def test_the_readme_says_which_availability_rule_each_service_follows() -> None:
    assert config_reference.readme_rules(README) == config_reference.availability_rules(), (
        "README.md is stale: run `python -m offline.config_reference --write`"
    )


def test_the_repository_stands_on_its_own() -> None:
    """Users do not have the development team's reference notes: nothing may point at them."""
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    offending = [
        name
        for name in tracked.stdout.splitlines()
        if name.endswith((".py", ".md", ".txt", ".yaml", ".yml", ".toml", ".ini"))
        and not name.startswith(".ci/")
        and (PROJECT_ROOT / name).exists()
        and any(marker in (PROJECT_ROOT / name).read_text() for marker in ("../" + "shared", "shared" + "/reference"))
    ]
    assert offending == []


def test_every_docs_link_resolves() -> None:
    pages = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(PROJECT_ROOT)} → {target}")
    assert broken == []


def test_readme_capacity_numbers_match_the_report() -> None:
    from tests.support.stacks import report_of, shipped_settings

    for stack in ("dev", "staging", "prod"):
        worst = report_of(shipped_settings(stack)).scenarios[-1]
        row = next(line for line in README.splitlines() if line.startswith(f"| {stack} |"))
        assert f"{worst.requested_memory_mib:,} / {worst.allocatable_memory_mib:,} MiB" in row, row
        assert f"{worst.requested_cpu_millis:,} / {worst.allocatable_cpu_millis:,} m" in row, row


def run_plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline.plan", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_offline_plan_prints_layers_capacity_and_writes_the_diagram(tmp_path: Path) -> None:
    result = run_plan("staging", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "data-platform / staging: topology staging" in result.stdout
    assert "network  [data-platform:network:NetworkZones]" in result.stdout
    from tests.support.stacks import report_of, shipped_settings

    worst = report_of(shipped_settings("staging")).scenarios[-1]
    assert (
        f"one host lost  2 host(s): memory {worst.requested_memory_mib:,}/{worst.allocatable_memory_mib:,} MiB"
    ) in result.stdout
    diagram = (tmp_path / "staging.mmd").read_text()
    assert diagram.startswith("flowchart LR\n")
    assert 'subgraph dp_storage["dp-storage"]' in diagram
    assert "superset_web -->|32010| dremio_coordinator" in diagram
    markdown = (tmp_path / "staging.md").read_text()
    assert "```mermaid" in markdown and "**staging**: 3 hosts; replicas spread hard over hosts" in markdown
    assert "availability: the topology survives the loss of one host" in result.stdout


def test_each_stacks_diagram_shows_its_own_replicas_and_failure_domain(tmp_path: Path) -> None:
    diagrams = {}
    for stack in ("dev", "staging", "prod"):
        assert run_plan(stack, "--out", str(tmp_path)).returncode == 0
        diagrams[stack] = (tmp_path / f"{stack}.mmd").read_text()
    assert len(set(diagrams.values())) == 3, "the stacks' diagrams must differ"
    assert 'postgresql["postgresql<br/>×1"]' in diagrams["dev"]
    assert 'postgresql["postgresql<br/>×2"]' in diagrams["staging"]
    assert 'postgresql["postgresql<br/>×3"]' in diagrams["prod"]
    assert 'superset_web["superset_web<br/>×3–6"]' in diagrams["prod"]
    assert 'node_exporter["node_exporter<br/>1 per host"]' in diagrams["dev"]
    assert "failure domain: a zone" in diagrams["prod"] and "failure domain: a host" in diagrams["staging"]
    assert all("users([" in diagram for diagram in diagrams.values())


def test_offline_plan_check_only_validates(tmp_path: Path) -> None:
    result = run_plan("dev", "--check", "--out", str(tmp_path))
    assert result.returncode == 0 and "settings valid, capacity and availability checked" in result.stdout
    assert not (tmp_path / "dev.mmd").exists()


def test_offline_plan_reports_bad_settings_and_exits_2(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.broken.yaml"
    stack_file.write_text("config:\n  data-platform:topology: dev\n  data-platform:replicas: 3\n")
    result = run_plan("broken", "--stack-file", str(stack_file), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "data-platform:replicas: unknown key 'replicas'." in result.stderr
    assert "Traceback" not in result.stderr


def test_offline_plan_names_the_known_stacks() -> None:
    result = run_plan("qa")
    assert result.returncode == 2
    # Another test may hold a temporary stack file (Pulumi.invalid-<pid>.yaml) while this one runs in parallel.
    assert re.search(r"known stacks: dev, (invalid-\d+, )?prod, staging", result.stderr), result.stderr
