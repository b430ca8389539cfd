"""Benchmark: the test Superset's set-up time, and requests and latency per operation of the Superset providers.

    .venv/bin/python benchmarks/superset_providers.py [--count 10] [--fresh]

Set-up: the throwaway PostgreSQL (initdb + start), and Superset from its cached metadata database
(`--fresh` first builds the metadata database in a temporary cache, as on a new machine). Then, through
a counting proxy, each provider creates, reads, updates and deletes `count` objects in process (a
database per dataset, so every dataset create resolves its own database). Prints requests per
operation and milliseconds per operation.

Targets (exit 1 when missed): a read is at most two requests (one GET, plus the database's timeout
when the dataset shows an inherited one); a cached Superset is ready within 30 s.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.providers.superset.database import SupersetDatabaseProvider  # noqa: E402
from components.providers.superset.dataset import SupersetDatasetProvider  # noqa: E402
from tests import superset_server  # noqa: E402
from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.postgres_server import PostgresServer  # noqa: E402

READ_TARGET = 2
CACHED_START_TARGET_S = 30


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--fresh", action="store_true", help="build Superset's metadata database from scratch first")
    args = parser.parse_args()
    ok = True

    began = time.perf_counter()
    data = PostgresServer().start()
    print(f"PostgreSQL initdb + start: {time.perf_counter() - began:.1f} s")
    app_password = secrets.token_urlsafe(12)
    data.sql(f"CREATE ROLE app LOGIN PASSWORD '{app_password}'")
    data.sql("CREATE DATABASE shop OWNER app")
    tables = "; ".join(
        f"CREATE TABLE t{i} (id int, amount numeric, day date) ; ALTER TABLE t{i} OWNER TO app"
        for i in range(args.count)
    )
    data.sql(tables, database="shop")

    if args.fresh:
        superset_server.CACHE = Path(tempfile.mkdtemp(prefix="superset-cache-"))
        server = superset_server.SupersetServer().start()
        print(
            f"Superset, fresh: {server.timings['start']:.1f} s to ready, of which {server.timings['template build']:.1f} s "
            "to migrate, add the admin and init the metadata database"
        )
        server.stop()
    server = superset_server.SupersetServer().start()
    print(f"Superset, cached metadata (copy, start): {server.timings['start']:.1f} s")
    ok &= server.timings["start"] <= CACHED_START_TARGET_S
    proxy = FaultProxy("127.0.0.1", server.port).start()
    connection = {"url": proxy.endpoint, **superset_server.ADMIN}
    databases, datasets = SupersetDatabaseProvider(), SupersetDatasetProvider()

    def database_inputs(i: int, timeout: int | None = None) -> dict:
        return {
            "connection": connection,
            "database_name": f"shop{i}",
            "cache_timeout": timeout,
            "sqlalchemy_uri": f"postgresql://app:{app_password}@127.0.0.1:{data.port}/shop",
        }

    def dataset_inputs(i: int, description: str = "benchmark") -> dict:
        return {
            "connection": connection,
            "database_name": f"shop{i}",
            "schema": "public",
            "table_name": f"t{i}",
            "description": description,
            "metrics": [
                {"metric_name": "total", "expression": "SUM(amount)"},
                {"metric_name": "rows", "expression": "COUNT(*)"},
            ],
            "columns": [{"column_name": "day", "is_dttm": True}],
        }

    try:
        print(f"{'kind':<9} {'operation':<8} {'requests/op':>12} {'ms/op':>8}")
        phases = [
            ("database", databases, database_inputs, lambda i: database_inputs(i, 60), ("create", "read", "update")),
            (
                "dataset",
                datasets,
                dataset_inputs,
                lambda i: dataset_inputs(i, "changed"),
                ("create", "read", "update", "delete"),
            ),
            ("database", databases, database_inputs, lambda i: database_inputs(i, 60), ("delete",)),
        ]
        outputs: dict[str, dict[int, tuple[str, dict]]] = {"database": {}, "dataset": {}}
        # One login before measuring, as in a run that has already started.
        databases.client(databases.inputs(database_inputs(0)), "warm up").verify_login()
        for kind, provider, build, rebuild, operations in phases:
            for operation in operations:
                proxy.reset_counts()
                began = time.perf_counter()
                for i in range(args.count):
                    if operation == "create":
                        result = provider.create(provider.check({}, build(i)).inputs)
                        outputs[kind][i] = (result.id, result.outs)
                    elif operation == "read":
                        provider.read(*outputs[kind][i])
                    elif operation == "update":
                        news = provider.check({}, rebuild(i)).inputs
                        object_id, olds = outputs[kind][i]
                        outputs[kind][i] = (object_id, provider.update(object_id, olds, news).outs)
                    else:
                        provider.delete(*outputs[kind][i])
                wall_ms = 1000 * (time.perf_counter() - began) / args.count
                per_op = len(proxy.requests) / args.count
                print(f"{kind:<9} {operation:<8} {per_op:>12.1f} {wall_ms:>8.1f}")
                if operation == "read":
                    ok &= per_op <= READ_TARGET
        print(
            f"targets: read ≤ {READ_TARGET} requests, cached start ≤ {CACHED_START_TARGET_S} s: {'met' if ok else 'MISSED'}"
        )
    finally:
        proxy.stop()
        server.stop()
        data.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
