"""superset_config.py and the migration script, run for real: Superset 6.1.0 from `.venv-superset` migrates a
real PostgreSQL with the platform's configuration, creates its roles and the first administrator, and a
second run changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.layers.presentation.config import SCRIPTS, SUPERSET_CONFIG
from tests.support.postgres_server import PostgresServer
from tests.support.stacks import PROJECT_ROOT

SUPERSET_BIN = PROJECT_ROOT / ".venv-superset" / "bin"
DB_PASSWORD = "superset-metadata-pw1"
ADMIN_PASSWORD = "Admin123platform"


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    server.sql(f"create role superset login password '{DB_PASSWORD}'")
    server.sql("create database superset owner superset")
    yield server
    server.stop()


def environment(root: Path, postgres: PostgresServer) -> dict[str, str]:
    if not (SUPERSET_BIN / "superset").exists():
        pytest.fail("the Superset virtualenv is missing: run scripts/setup --test")
    secrets = {
        "superset": {"SECRET_KEY": "k" * 48},
        "database": {"username": "superset", "password": DB_PASSWORD, "host": "127.0.0.1", "port": str(postgres.port), "database": "superset"},
        "valkey": {"password": "valkey-pw"},
        "admin": {"username": "admin", "password": ADMIN_PASSWORD},
    }
    for name, values in secrets.items():
        (root / "secrets" / name).mkdir(parents=True)
        for key, value in values.items():
            (root / "secrets" / name / key).write_text(value)
    (root / "pythonpath").mkdir()
    (root / "pythonpath" / "superset_config.py").write_text(SUPERSET_CONFIG)
    (root / "home").mkdir()
    return {
        "PATH": f"{SUPERSET_BIN}:{os.environ['PATH']}",
        "PYTHONPATH": str(root / "pythonpath"),
        "SUPERSET_SECRETS_DIR": str(root / "secrets"),
        "SUPERSET_HOME": str(root / "home"),
        "HOME": str(root / "home"),
        "VALKEY_HOST": "valkey.invalid",
        "VALKEY_PORT": "6379",
        "SUPERSET_DB_SSLMODE": "disable",
        "ADMIN_DIR": str(root / "secrets" / "admin"),
        "ADMIN_EMAIL": "superset-admin@data-platform.invalid",
    }


def test_the_configuration_reads_its_secrets_from_files(tmp_path: Path, postgres: PostgresServer) -> None:
    env = environment(tmp_path, postgres)
    probe = (
        "import json, superset_config as c; print(json.dumps({'db': c.SQLALCHEMY_DATABASE_URI, 'cache': c.CACHE_CONFIG,"
        " 'broker': c.CELERY_CONFIG.broker_url, 'proxy': c.ENABLE_PROXY_FIX, 'api': c.FAB_ADD_SECURITY_API,"
        " 'rbac': c.FEATURE_FLAGS['DASHBOARD_RBAC'], 'stats': type(c.STATS_LOGGER).__name__}))"
    )
    result = subprocess.run([str(SUPERSET_BIN / "python"), "-c", probe], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["db"] == f"postgresql+psycopg2://superset:{DB_PASSWORD}@127.0.0.1:{postgres.port}/superset?sslmode=disable"
    assert values["cache"]["CACHE_REDIS_URL"] == "redis://:valkey-pw@valkey.invalid:6379/1"
    assert values["broker"] == "redis://:valkey-pw@valkey.invalid:6379/0"
    assert (values["proxy"], values["api"], values["rbac"], values["stats"]) == (True, True, True, "StatsdStatsLogger")


def test_the_migration_script_initialises_superset_and_is_idempotent(tmp_path: Path, postgres: PostgresServer) -> None:
    env = environment(tmp_path, postgres)
    first = subprocess.run(["sh", str(SCRIPTS / "superset-init.sh")], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    assert "creating the administrator admin" in first.stdout
    assert ADMIN_PASSWORD not in first.stdout + first.stderr
    roles = postgres.sql("select name from ab_role order by name", database="superset").splitlines()
    assert {"Admin", "Alpha", "Gamma", "Public", "sql_lab"} <= set(roles)
    assert postgres.sql("select count(*) from ab_user where username = 'admin'", database="superset") == "1"
    again = subprocess.run(["sh", str(SCRIPTS / "superset-init.sh")], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "the administrator admin exists" in again.stdout
    assert postgres.sql("select count(*) from ab_user", database="superset") == "1"
