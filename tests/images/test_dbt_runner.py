"""The dbt image's runner, run for real from `.venv-dbt` (the image's own requirements): the real dbt-core
and dbt-dremio build `lakehouse/dbt/` against the fake Dremio, the artifacts go to a real S3 server
(SeaweedFS), the run history to a real PostgreSQL, and the exporter serves what it recorded."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.fake_dremio import FakeDremio
from tests.support.postgres_server import PostgresServer
from tests.support.s3_server import ADMIN, WeedServer
from tests.support.stacks import PROJECT_ROOT

DBT_PYTHON = PROJECT_ROOT / ".venv-dbt" / "bin" / "python"
ADMIN_LOGIN = ("platform_admin", "Secret123abc")
DB_PASSWORD = "dbt-test-password-1"


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    server.sql(f"create role dbt login password '{DB_PASSWORD}'")
    server.sql("create database dbt owner dbt")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3() -> Iterator[WeedServer]:
    server = WeedServer()
    server.start()
    server.client().create_bucket(Bucket="logs")
    yield server
    server.cleanup()


@pytest.fixture
def dremio() -> Iterator[FakeDremio]:
    fake = FakeDremio().start()
    requests.put(
        f"{fake.url}/apiv2/bootstrap/firstuser",
        json={"userName": ADMIN_LOGIN[0], "password": ADMIN_LOGIN[1], "firstName": "a", "lastName": "b", "email": "a@b.io"},
        timeout=5,
    )
    yield fake
    fake.stop()


def secret_dir(root: Path, name: str, values: dict[str, str]) -> str:
    directory = root / name
    directory.mkdir()
    for key, value in values.items():
        (directory / key).write_text(value)
    return str(directory)


def runner_env(tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer, **extra: str) -> dict[str, str]:
    if not DBT_PYTHON.exists():
        pytest.fail("the dbt virtualenv is missing: scripts/setup --test creates .venv-dbt from images/dbt/requirements.txt")
    host, port = dremio.url.removeprefix("http://").split(":")
    s3_files = {"AWS_ACCESS_KEY_ID": ADMIN.access_key, "AWS_SECRET_ACCESS_KEY": ADMIN.secret_key,
                "S3_ENDPOINT": s3.endpoint, "S3_REGION": "us-east-1"}
    tmp_path.mkdir(exist_ok=True)
    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "lakehouse" / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    return {
        "PATH": f"{DBT_PYTHON.parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(PROJECT_ROOT / "images" / "dbt"),
        "HOME": str(tmp_path),
        "DBT_PROJECT_DIR": str(project),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DREMIO_HOST": host,
        "DREMIO_PORT": port,
        "DREMIO_USE_SSL": "false",
        "DREMIO_CREDENTIALS_DIR": secret_dir(tmp_path, "dremio", dict(zip(("username", "password"), ADMIN_LOGIN, strict=True))),
        "LAKE_CREDENTIALS_DIR": secret_dir(tmp_path, "lake", s3_files),
        "ARTIFACTS_CREDENTIALS_DIR": secret_dir(tmp_path, "artifacts", s3_files),
        "DATABASE_CREDENTIALS_DIR": secret_dir(
            tmp_path, "database",
            {"host": "127.0.0.1", "port": str(postgres.port), "database": "dbt", "username": "dbt", "password": DB_PASSWORD},
        ),
        "DATABASE_SSLMODE": "disable",
        "LOGS_BUCKET": "logs",
        "SAMPLE_DATA": "true",
        "RUN_KIND": "deploy",
        **extra,
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DBT_PYTHON), "-m", "runner", *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_a_build_bootstraps_dremio_builds_records_uploads_and_refreshes(
    tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer
) -> None:
    result = run(runner_env(tmp_path, dremio, s3, postgres), "build")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Dremio: the lake source and the space did not exist, so the runner created them (nothing else).
    assert ("POST", "/api/v3/catalog") in dremio.requests
    lake = next(e for e in dremio.entities.values() if e.kind == "source")
    assert lake.path == ["lake"] and lake.body["config"]["whitelistedBuckets"] == ["bronze", "silver", "gold"]
    assert any(e.kind == "space" and e.path == ["lakehouse"] for e in dremio.entities.values())
    # dbt: seeds (sample data on), four models, every test passed.
    assert "Done. PASS=30" in result.stdout and "created source lake, space lakehouse" in result.stdout
    # The run history, one row.
    row = postgres.sql(
        "select kind, status, models_run, tests_run, test_failures, metadata->'models'->'fct_customer_lifetime_value'->>'status'"
        " from dbt_run_history", database="dbt",
    )
    assert row == "deploy|success|4|24|0|success"
    # The artifacts, in the logs bucket under dbt/<date>/<run id>/.
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket="logs", Prefix="dbt/").get("Contents", [])]
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == ["manifest.json", "run_results.json"]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    assert results["metadata"]["dbt_schema_version"].startswith("https://schemas.getdbt.com/dbt/run-results/")
    # The fake keeps no data, so the mart's table is not in its catalog yet: looked up, nothing to refresh.
    assert ("GET", "/api/v3/catalog/by-path/lake/gold/marts/fct_customer_lifetime_value") in dremio.requests
    assert "reflections refreshed on no mart" in result.stdout
    assert ADMIN_LOGIN[1] not in result.stdout + result.stderr and DB_PASSWORD not in result.stdout + result.stderr

    # The next night: the mart's table is in the catalog, the source exists already.
    mart = ["lake", "gold", "marts", "fct_customer_lifetime_value"]
    dremio.seed_s3_folder(mart, [("customer_id", "BIGINT"), ("lifetime_value", "DECIMAL")])
    table = requests.post(
        f"{dremio.url}/api/v3/catalog/dremio:%2F{'%2F'.join(mart)}",
        json={"entityType": "dataset", "type": "PHYSICAL_DATASET", "path": mart, "format": {"type": "Parquet"}},
        headers={"Authorization": f"_dremio{_token(dremio)}"}, timeout=5,
    ).json()
    dremio.requests.clear()
    again = run(runner_env(tmp_path / "night", dremio, s3, postgres, RUN_KIND="nightly"), "build")
    assert again.returncode == 0, again.stdout[-3000:]
    assert ("POST", "/api/v3/catalog") not in dremio.requests, "an existing source and space are left alone"
    assert ("POST", f"/api/v3/catalog/{table['id']}/refresh") in dremio.requests
    assert "reflections refreshed on lake.gold.marts.fct_customer_lifetime_value" in again.stdout


def _token(dremio: FakeDremio) -> str:
    return requests.post(
        f"{dremio.url}/apiv2/login", json={"userName": ADMIN_LOGIN[0], "password": ADMIN_LOGIN[1]}, timeout=5
    ).json()["token"]


def test_without_sample_data_no_seed_is_loaded(tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer) -> None:
    result = run(runner_env(tmp_path, dremio, s3, postgres, SAMPLE_DATA="false", RUN_KIND="nightly"), "build")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "--exclude resource_type:seed" in result.stdout and "seed file" not in result.stdout
    statements = [body["sql"].lower() for body in dremio.bodies if isinstance(body, dict) and "sql" in body]
    assert any('create table "lake"."silver"."staging"."stg_customers"' in sql for sql in statements)
    assert not any('create table "lake"."bronze"."raw_' in sql for sql in statements)


def test_a_failing_build_is_recorded_and_fails_the_pod(
    tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer
) -> None:
    env = runner_env(tmp_path, dremio, s3, postgres)
    # A model that Dremio rejects: the fake fails every job whose SQL names this column.
    broken = Path(env["DBT_PROJECT_DIR"]) / "models" / "marts" / "fct_customer_lifetime_value.sql"
    broken.write_text(broken.read_text().replace("where status = 'completed'", "where status = 'completed' and no_such_column = 1"))
    dremio.fail_sql_matching("no_such_column", "Column 'no_such_column' not found in any table")
    before = int(postgres.sql("select count(*) from dbt_run_history where status = 'error'", database="dbt") or 0)
    result = run(env, "build")
    assert result.returncode == 1
    assert int(postgres.sql("select count(*) from dbt_run_history where status = 'error'", database="dbt")) == before + 1
    # No reflection refresh after a failed build.
    assert not any(path.endswith("/refresh") for _, path in dremio.requests)


def test_a_missing_credential_file_is_named(tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer) -> None:
    env = runner_env(tmp_path, dremio, s3, postgres)
    (Path(env["DREMIO_CREDENTIALS_DIR"]) / "password").unlink()
    result = run(env, "build")
    assert result.returncode == 2
    assert "DREMIO_CREDENTIALS_DIR" in result.stderr and "is the Secret mounted with key password?" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_exporter_serves_the_recorded_runs(tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer) -> None:
    env = runner_env(tmp_path, dremio, s3, postgres)
    assert run(env, "build").returncode == 0
    port = free_port()
    process = subprocess.Popen([str(DBT_PYTHON), "-m", "runner", "exporter"], env={**env, "EXPORTER_PORT": str(port)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = ""
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "dbt_exporter_up 1" in body
        assert 'dbt_last_run_success{project="lakehouse"} 1' in body
        assert 'dbt_last_run_test_failures{project="lakehouse"} 0' in body
        assert 'dbt_model_build_seconds{project="lakehouse",model="fct_customer_lifetime_value"}' in body
        assert 'dbt_runs_total{project="lakehouse",status="success"}' in body
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_exporter_reports_an_unreadable_history_as_a_metric(tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer) -> None:
    env = runner_env(tmp_path, dremio, s3, postgres)
    (Path(env["DATABASE_CREDENTIALS_DIR"]) / "port").write_text("1")
    probe = subprocess.run(
        [str(DBT_PYTHON), "-c", "from runner import exporter; print(exporter.render())"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert "dbt_exporter_up 0" in probe.stdout and "dbt_last_run_success" not in probe.stdout
    assert DB_PASSWORD not in probe.stdout


def _job(user: str, query_type: str, seconds: float, *, ended_ago_seconds: float = 60) -> dict[str, object]:
    ended = int((time.time() - ended_ago_seconds) * 1000)
    return {"query_type": query_type, "user_name": user, "submitted_epoch_millis": ended - int(seconds * 1000),
            "final_state_epoch_millis": ended}


def _render(env: dict[str, str]) -> str:
    probe = subprocess.run(
        [str(DBT_PYTHON), "-c", "from runner import exporter; print(exporter.render())"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert probe.returncode == 0, probe.stderr
    return probe.stdout


def test_the_exporter_reports_dremios_slow_queries_of_the_last_15_minutes(
    tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer
) -> None:
    dremio.recent_jobs = [
        _job("analyst", "FLIGHT", 45),  # slow (threshold 30 s)
        _job("analyst", "UI_RUN", 2),
        _job("superset", "FLIGHT", 31),  # slow
        _job(ADMIN_LOGIN[0], "REST", 600),  # dbt's own build: not counted
        _job("analyst", "ACCELERATOR_CREATE", 900),  # a reflection build: not counted
        _job("analyst", "FLIGHT", 120, ended_ago_seconds=3600),  # outside the window
        *(_job("viewer", "FLIGHT", 1) for _ in range(600)),  # more than one page of results
    ]
    body = _render(runner_env(tmp_path, dremio, s3, postgres, DREMIO_SLOW_QUERY_SECONDS="30"))
    assert "dremio_query_stats_up 1" in body
    assert "dremio_queries_recent 603" in body
    assert "dremio_queries_slow 2" in body
    assert "dremio_query_seconds_max 45" in body
    submitted = [body["sql"] for body in dremio.bodies if isinstance(body, dict) and "sys.jobs_recent" in body.get("sql", "")]
    assert len(submitted) == 1 and "final_state_epoch_millis >=" in submitted[0]


def test_the_exporter_reports_an_unreachable_dremio_as_a_metric(
    tmp_path: Path, dremio: FakeDremio, s3: WeedServer, postgres: PostgresServer
) -> None:
    env = runner_env(tmp_path, dremio, s3, postgres)
    (Path(env["DREMIO_CREDENTIALS_DIR"]) / "password").write_text("wrong-password")
    body = _render(env)
    assert "dremio_query_stats_up 0" in body and "dremio_queries_slow" not in body
    assert "wrong-password" not in body
