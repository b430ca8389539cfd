"""The read-only role of a database (`DatabaseGrant(reader=True)`), granted for real: the storage layer's grant
script runs with psql as the owner against a real PostgreSQL, and the reader may read what the owner writes,
before and after, and nothing else."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from components.layers.storage.postgresql import GRANT_SCRIPT
from tests.support.postgres_server import PostgresServer

OWNER_PASSWORD, READER_PASSWORD = "owner-password-1", "reader-password-1"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    pg = PostgresServer().start()
    pg.sql(f"CREATE ROLE analytics LOGIN PASSWORD '{OWNER_PASSWORD}'")
    pg.sql(f"CREATE ROLE analytics_reader LOGIN PASSWORD '{READER_PASSWORD}'")
    pg.sql("CREATE DATABASE analytics OWNER analytics")
    pg.sql("CREATE ROLE superset LOGIN PASSWORD 'x'")
    pg.sql("CREATE DATABASE superset OWNER superset")
    yield pg
    pg.stop()


def psql(server: PostgresServer, user: str, password: str, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [server.psql, "-h", "127.0.0.1", "-p", str(server.port), "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", *args],
        env={**os.environ, "PGPASSWORD": password}, capture_output=True, text=True, timeout=60, check=False,
    )


def as_owner(server: PostgresServer, sql: str) -> None:
    result = psql(server, "analytics", OWNER_PASSWORD, "analytics", "-c", sql)
    assert result.returncode == 0, result.stderr


def grant(server: PostgresServer) -> subprocess.CompletedProcess[str]:
    return psql(server, "analytics", OWNER_PASSWORD, "analytics", "-v", "owner=analytics", "-v", "reader=analytics_reader",
                "-f", str(GRANT_SCRIPT))


def read(server: PostgresServer, sql: str, database: str = "analytics") -> subprocess.CompletedProcess[str]:
    return psql(server, "analytics_reader", READER_PASSWORD, database, "-At", "-c", sql)


def test_the_reader_reads_what_the_owner_writes_before_and_after_and_writes_nothing(server: PostgresServer) -> None:
    as_owner(server, "CREATE TABLE public.customers (id int); INSERT INTO public.customers VALUES (1)")
    as_owner(server, "CREATE SCHEMA shop; CREATE TABLE shop.orders (id int); INSERT INTO shop.orders VALUES (7)")
    first, again = grant(server), grant(server)
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, "the script is idempotent: " + again.stderr
    assert read(server, "SELECT id FROM public.customers").stdout.strip() == "1"
    assert read(server, "SELECT id FROM shop.orders").stdout.strip() == "7"
    # What Airbyte's syncs create later, as the owner, is readable without running the script again.
    as_owner(server, "CREATE SCHEMA crm; CREATE TABLE crm.leads (id int); INSERT INTO crm.leads VALUES (3)")
    assert read(server, "SELECT id FROM crm.leads").stdout.strip() == "3"
    refused = read(server, "INSERT INTO public.customers VALUES (2)")
    assert refused.returncode != 0 and "permission denied" in refused.stderr
    assert read(server, "CREATE TABLE public.mine (id int)").returncode != 0


def test_the_reader_cannot_open_another_database(server: PostgresServer) -> None:
    result = psql(server, "analytics_reader", READER_PASSWORD, "superset", "-c", "SELECT 1")
    # Other databases still allow PUBLIC to connect, but the reader sees none of their tables.
    if result.returncode == 0:
        listing = psql(server, "analytics_reader", READER_PASSWORD, "superset", "-At", "-c",
                       "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
        assert listing.stdout.strip() == "0"


def test_the_storage_layer_runs_this_script_as_the_owner_over_tls() -> None:
    from tests.support.lookup import find
    from tests.support.stacks import stack_manifests

    manifests = stack_manifests("staging")
    (job,) = [j for j in find(manifests, "Job") if "analytics-reader-grants" in j["metadata"]["name"]]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert (env["PGUSER"], env["PGDATABASE"], env["PGSSLMODE"]) == ("analytics", "analytics", "require")
    assert "-f /scripts/grant-reader.sql" in container["command"][-1] and 'reader="${DATABASE}_reader"' in container["command"][-1]
    (script,) = [c for c in find(manifests, "ConfigMap") if "grant-reader.sql" in (c.get("data") or {})]
    assert script["data"]["grant-reader.sql"] == GRANT_SCRIPT.read_text()
