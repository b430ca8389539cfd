"""The platform's alerts through promtool: the rules parse, and every alert fires on the series in
alerts_test.yaml that should fire it and stays quiet on those that should not."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from components.layers.observability.alerts import alert_groups, rule_groups
from tests.support import prometheus_tools

CASES = Path(__file__).with_name("alerts_test.yaml")


def _rules_dir(tmp_path: Path) -> Path:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule_groups(alert_groups(namespace_prefix="dp"))}))
    shutil.copy(CASES, tmp_path / CASES.name)
    return tmp_path


def test_the_rules_are_valid_prometheus_rules(tmp_path: Path) -> None:
    result = prometheus_tools.run("promtool", "check", "rules", "rules.yaml", cwd=_rules_dir(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_when_it_should_and_only_then(tmp_path: Path) -> None:
    result = prometheus_tools.run("promtool", "test", "rules", CASES.name, cwd=_rules_dir(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    cases = yaml.safe_load(CASES.read_text())["tests"]
    firing, quiet = set(), set()
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {alert.name for group in alert_groups(namespace_prefix="dp") for alert in group.alerts}
    assert names - firing == set(), "alerts no case fires"
    assert names - quiet == set(), "alerts no case keeps quiet"
    assert (firing | quiet) - names == set(), "cases for alerts that do not exist"


def test_every_alert_has_a_severity_a_summary_and_a_runbook_section() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    for group in alert_groups(namespace_prefix="dp"):
        for alert in group.alerts:
            assert alert.severity in ("warning", "critical") and alert.summary
            assert f'<a id="{alert.runbook_anchor}"></a>' in readme, f"README has no runbook section for {alert.name}"


def test_every_platform_metric_the_alerts_and_dashboards_name_is_produced() -> None:
    """The names of the platform's own metrics (not the exporters' well-known ones) come from the statsd
    mappings and the dbt exporter; a renamed mapping or metric breaks this, not a dashboard at night."""
    import re

    from components.layers.ingestion.layer import STATSD_MAPPING as AIRBYTE_MAPPING
    from components.layers.observability.dashboards import dashboards
    from components.layers.presentation.config import STATSD_MAPPING as SUPERSET_MAPPING

    expressions = [alert.expr for group in alert_groups(namespace_prefix="dp") for alert in group.alerts]
    expressions += [expr for board in dashboards(namespace_prefix="dp") for panel in board.panels for expr in panel.exprs.values()]
    named = {name for expr in expressions for name in re.findall(r"\b((?:superset|airbyte|dbt|dremio)_[a-z_]+)\b", expr)}
    superset = {m["name"] for m in yaml.safe_load(SUPERSET_MAPPING)["mappings"]}
    superset |= {f"{name}_{suffix}" for name in superset for suffix in ("bucket", "sum", "count")}
    exporter = (Path(__file__).parents[3] / "images" / "dbt" / "runner" / "exporter.py").read_text()
    assert [m["name"] for m in yaml.safe_load(AIRBYTE_MAPPING)["mappings"]] == ["airbyte_${1}"]
    for name in sorted(named):
        if name.startswith("superset_"):
            assert name in superset, f"{name}: no statsd mapping produces it"
        elif name.startswith(("dbt_", "dremio_")):
            assert f'"{name}"' in exporter, f"{name}: the dbt exporter does not serve it"
    assert {"superset_http_responses_total", "dremio_queries_slow", "airbyte_syncs"} <= named
