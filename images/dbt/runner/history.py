"""The run history in PostgreSQL (`dbt_run_history` in the `dbt` database), as the architecture keeps it."""

from __future__ import annotations

import json
from datetime import datetime

import psycopg

from runner.config import credentials, env

SCHEMA = """
create table if not exists dbt_run_history (
    run_id uuid primary key,
    project text not null,
    kind text not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    status text not null,
    models_run integer not null,
    tests_run integer not null,
    test_failures integer not null,
    metadata jsonb not null
)
"""


def connect() -> psycopg.Connection:
    login = credentials("DATABASE_CREDENTIALS_DIR", "host", "port", "database", "username", "password")
    return psycopg.connect(
        host=login["host"],
        port=int(login["port"]),
        dbname=login["database"],
        user=login["username"],
        password=login["password"],
        # CloudNativePG requires TLS (its server certificate is signed by its own CA).
        sslmode=env("DATABASE_SSLMODE", "require"),
        connect_timeout=30,
    )


def record(
    *, run_id: str, project: str, kind: str, started: datetime, finished: datetime, status: str,
    models_run: int, tests_run: int, test_failures: int, metadata: dict,
) -> None:
    with connect() as connection:
        connection.execute(SCHEMA)
        connection.execute(
            "insert into dbt_run_history (run_id, project, kind, started_at, finished_at, status, models_run,"
            " tests_run, test_failures, metadata) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (run_id, project, kind, started, finished, status, models_run, tests_run, test_failures, json.dumps(metadata)),
        )


def latest_runs() -> tuple[dict | None, dict[tuple[str, str], int]]:
    """The latest run (as a dict) and the number of runs per (project, status)."""
    with connect() as connection:
        connection.execute(SCHEMA)
        row = connection.execute(
            "select project, status, started_at, finished_at, models_run, tests_run, test_failures, metadata"
            " from dbt_run_history order by finished_at desc limit 1"
        ).fetchone()
        counts = connection.execute("select project, status, count(*) from dbt_run_history group by project, status").fetchall()
    latest = None
    if row:
        names = ("project", "status", "started_at", "finished_at", "models_run", "tests_run", "test_failures", "metadata")
        latest = dict(zip(names, row, strict=True))
    return latest, {(project, status): count for project, status, count in counts}
