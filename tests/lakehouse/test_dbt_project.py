"""The lakehouse's dbt project parses with the image's own dbt (`.venv-dbt`), and its graph is the architecture's:
bronze → staging → intermediate → marts, a test on every model, tables in silver and gold."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stacks import PROJECT_ROOT

PROJECT = PROJECT_ROOT / "lakehouse" / "dbt"
DBT = PROJECT_ROOT / ".venv-dbt" / "bin" / "dbt"


@functools.cache
def manifest() -> dict:
    """`dbt parse` of a copy of the project (no Dremio needed), with the bucket names a prefixed stack has."""
    if not DBT.exists():
        pytest.fail("the dbt virtualenv is missing: scripts/setup --test creates .venv-dbt from images/dbt/requirements.txt")
    work = Path(os.environ.get("PYTEST_TMPDIR", "/tmp")) / f"dbt-parse-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(PROJECT, work, ignore=shutil.ignore_patterns("target", "logs"))
    env = {
        "PATH": os.environ["PATH"], "HOME": str(work), "DO_NOT_TRACK": "1",
        # parse needs the user's variable to exist; nothing connects.
        "DREMIO_HOST": "dremio.invalid", "DREMIO_USER": "parse", "DREMIO_PASSWORD": "unused",
        "LAKE_BRONZE": "acme-bronze", "LAKE_SILVER": "acme-silver", "LAKE_GOLD": "acme-gold",
    }
    result = subprocess.run(
        [str(DBT), "parse", "--project-dir", str(work), "--profiles-dir", str(work), "--no-partial-parse"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "[WARNING]" not in result.stdout, result.stdout
    return json.loads((work / "target" / "manifest.json").read_text())


def nodes(kind: str) -> dict[str, dict]:
    return {n["name"]: n for n in manifest()["nodes"].values() if n["resource_type"] == kind}


def test_the_four_models_are_tables_in_silver_and_gold() -> None:
    models = nodes("model")
    assert {name: (m["config"]["materialized"], m["relation_name"], m["config"]["format"]) for name, m in models.items()} == {
        "stg_customers": ("table", '"lake"."acme-silver"."staging"."stg_customers"', "parquet"),
        "stg_orders": ("table", '"lake"."acme-silver"."staging"."stg_orders"', "parquet"),
        "int_customer_orders": ("table", '"lake"."acme-silver"."intermediate"."int_customer_orders"', "parquet"),
        "fct_customer_lifetime_value": ("table", '"lake"."acme-gold"."marts"."fct_customer_lifetime_value"', "parquet"),
    }


def test_sources_and_seeds_are_the_bronze_tables() -> None:
    sources = {s["name"]: s["relation_name"] for s in manifest()["sources"].values()}
    assert sources == {"raw_customers": '"lake"."acme-bronze"."raw_customers"', "raw_orders": '"lake"."acme-bronze"."raw_orders"'}
    seeds = {name: seed["relation_name"] for name, seed in nodes("seed").items()}
    assert seeds == sources


def test_every_mart_reaches_bronze_only_through_staging() -> None:
    everything = {**manifest()["nodes"], **manifest()["sources"]}
    layer = {uid: ("source" if uid.startswith("source.") else n["fqn"][1] if n["resource_type"] == "model" else n["resource_type"])
             for uid, n in everything.items()}
    allowed = {"marts": {"marts", "intermediate", "staging"}, "intermediate": {"intermediate", "staging"}, "staging": {"source"}}
    for uid, node in everything.items():
        if node["resource_type"] != "model":
            continue
        parents = {layer[parent] for parent in node["depends_on"]["nodes"]}
        assert parents and parents <= allowed[layer[uid]], f"{node['name']} reads {parents}"
    lineage = manifest()["parent_map"]

    def sources_of(uid: str) -> set[str]:
        return {uid} if uid.startswith("source.") else set().union(*(sources_of(p) for p in lineage[uid]))

    mart = next(uid for uid, n in everything.items() if n.get("name") == "fct_customer_lifetime_value" and uid.startswith("model."))
    assert {everything[s]["name"] for s in sources_of(mart)} == {"raw_customers", "raw_orders"}


def test_every_model_has_a_test_and_the_architecture_asks_for_these() -> None:
    tests = nodes("test")
    tested = {model for t in tests.values() for model in t["depends_on"]["nodes"] if model.startswith("model.")}
    assert {f"model.lakehouse.{name}" for name in nodes("model")} <= tested
    kinds = {t["test_metadata"]["name"] for t in tests.values() if t.get("test_metadata")}
    assert {"not_null", "unique", "relationships", "accepted_values"} <= kinds
    singular = [t for t in tests.values() if not t.get("test_metadata")]
    assert [t["name"] for t in singular] == ["assert_order_amounts_are_positive"]
    accepted = next(t for t in tests.values() if (t.get("test_metadata") or {}).get("name") == "accepted_values")
    assert accepted["test_metadata"]["kwargs"]["values"] == ["placed", "shipped", "completed", "returned", "cancelled"]


def test_the_lifetime_value_mart_counts_completed_orders_only() -> None:
    sql = nodes("model")["fct_customer_lifetime_value"]["raw_code"]
    assert "where status = 'completed'" in sql
    for column in ("total_orders", "lifetime_value", "average_order_value", "first_order_date", "last_order_date", "lifespan_days"):
        assert f"as {column}" in sql


def test_the_sample_data_is_the_generators_output(tmp_path: Path) -> None:
    sys.path.insert(0, str(PROJECT / "scripts"))
    try:
        import generate_sample_data as generator
    finally:
        sys.path.pop(0)
    generator.write(tmp_path)
    for name in ("raw_customers.csv", "raw_orders.csv"):
        assert (tmp_path / name).read_text() == (PROJECT / "seeds" / name).read_text(), f"regenerate seeds/{name}"
    customers = (PROJECT / "seeds" / "raw_customers.csv").read_text().splitlines()
    orders = [line.split(",") for line in (PROJECT / "seeds" / "raw_orders.csv").read_text().splitlines()[1:]]
    assert len(customers) - 1 == 300 and len(orders) == 1200
    assert all(float(order[4]) > 0 for order in orders)


def test_the_semantic_layer_knows_the_models_dbt_builds_and_their_schemas() -> None:
    """`components/platform/dbt_project.py` reads the project's files; dbt itself must agree with it. The model's
    view (dbt-dremio's "clone" twin) goes to `<dremio_space>.<schema config>.<model>`: the profile's
    `dremio_space_folder` is `no_schema`, so the custom schema is the whole folder."""
    from components.platform.dbt_project import dbt_models

    profile = (PROJECT / "profiles.yml").read_text()
    assert "dremio_space_folder: no_schema" in profile
    assert dbt_models() == {name: model["config"]["schema"] for name, model in nodes("model").items()}
