"""Benchmark: HTTP requests and time per operation of each Dremio provider, against the fake Dremio.

    .venv/bin/python benchmarks/dremio_providers.py [--count 50]

For each resource kind: create `count` objects, read them all (a refresh), update them all (one domain
field each), delete them all, with the providers called in process. Prints requests per operation
(counted by the fake, so they are exactly what Dremio would receive) and milliseconds per operation.
The login happens once, before the measurement, as in a real run.

Reflections are spread over five tables (a create lists the table's reflections to keep names unique).

Targets (exit 1 when missed): a read is one request; a create at most three (look, [list], post); an
update at most two (read the tag, put); a delete at most two (look, delete).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from components.providers.dremio.reflection import DremioReflectionProvider  # noqa: E402
from components.providers.dremio.source import DremioSourceProvider  # noqa: E402
from components.providers.dremio.space import DremioSpaceProvider  # noqa: E402
from components.providers.dremio.table import DremioTableProvider  # noqa: E402
from components.providers.dremio.view import DremioViewProvider  # noqa: E402
from tests.support.fake_dremio import FakeDremio  # noqa: E402

PASSWORD = "A1" + secrets.token_urlsafe(12)
"""A fresh throwaway password per run (Dremio's rule: a letter and a digit)."""
TARGETS = {"create": 3, "read": 1, "update": 2, "delete": 2}
COLUMNS = [("id", "BIGINT"), ("day", "DATE"), ("region", "VARCHAR"), ("amount", "DOUBLE")]


def kinds(connection: dict[str, str]) -> dict[str, tuple[Any, Callable[[int], dict], Callable[[int], dict]]]:
    """kind → (provider, inputs of object i, updated inputs of object i)."""

    def source(i: int, fetch: int = 200) -> dict:
        return {
            "connection": connection,
            "name": f"pg{i}",
            "type": "POSTGRES",
            "config": {
                "hostname": "db",
                "port": "5432",
                "databaseName": "app",
                "username": "dremio",
                "password": secrets.token_urlsafe(12),
                "authenticationType": "MASTER",
                "fetchSize": fetch,
            },
        }

    def space(i: int, force: bool = False) -> dict:
        return {"connection": connection, "name": f"space{i}", "force_destroy": force}

    def view(i: int, column: str = "amount") -> dict:
        return {
            "connection": connection,
            "path": ["bench", f"view{i}"],
            "sql": f"SELECT id, {column} FROM lake.data.u{i}",
        }

    def table(i: int, period: int = 3600000) -> dict:
        return {
            "connection": connection,
            "path": ["lake", "data", f"t{i}"],
            "refresh_policy": {"refresh_period_ms": period},
        }

    def reflection(i: int, enabled: bool = True) -> dict:
        return {
            "connection": connection,
            "dataset_path": ["lake", "data", f"u{i % 5}"],
            "name": f"r{i}",
            "type": "RAW",
            "display_fields": ["id", "day", "amount"],
            "enabled": enabled,
        }

    return {
        "source": (DremioSourceProvider(), source, lambda i: source(i, 500)),
        "space": (DremioSpaceProvider(), space, lambda i: space(i, True)),
        "table": (DremioTableProvider(), table, lambda i: table(i, 7200000)),
        "view": (DremioViewProvider(), view, lambda i: view(i, "region")),
        "reflection": (DremioReflectionProvider(), reflection, lambda i: reflection(i, False)),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    fake = FakeDremio().start()
    ok = True
    try:
        requests.put(
            f"{fake.url}/apiv2/bootstrap/firstuser", json={"userName": "admin", "password": PASSWORD}, timeout=5
        )
        for i in range(args.count):
            fake.seed_s3_folder(["lake", "data", f"t{i}"], COLUMNS)  # promoted by the measured table creates
            fake.seed_s3_folder(["lake", "data", f"u{i}"], COLUMNS)  # promoted beforehand, for views and reflections
        connection = {"url": fake.url, "username": "admin", "password": PASSWORD}
        setup = kinds(connection)
        # The lake source, the views' space, their tables, and the login: outside the measurement.
        DremioSourceProvider().create(
            {
                "connection": connection,
                "name": "lake",
                "type": "S3",
                "config": {
                    "credentialType": "ACCESS_KEY",
                    "accessKey": "k",
                    "accessSecret": "s",
                    "compatibilityMode": True,
                },
            }
        )
        DremioSpaceProvider().create({"connection": connection, "name": "bench"})
        for i in range(args.count):
            DremioTableProvider().create(
                DremioTableProvider().check({}, {"connection": connection, "path": ["lake", "data", f"u{i}"]}).inputs
            )
        print(f"{'kind':<11} {'operation':<8} {'requests/op':>12} {'ms/op':>8}")
        for kind, (provider, build, rebuild) in setup.items():
            outputs: dict[int, tuple[str, dict]] = {}
            for operation in ("create", "read", "update", "delete"):
                fake.requests.clear()
                began = time.perf_counter()
                for i in range(args.count):
                    if operation == "create":
                        result = provider.create(provider.check({}, build(i)).inputs)
                        outputs[i] = (result.id, result.outs)
                    elif operation == "read":
                        provider.read(*outputs[i])
                    elif operation == "update":
                        news = provider.check({}, rebuild(i)).inputs
                        outputs[i] = (outputs[i][0], provider.update(outputs[i][0], outputs[i][1], news).outs)
                    else:
                        provider.delete(*outputs[i])
                wall_ms = 1000 * (time.perf_counter() - began) / args.count
                per_op = len(fake.requests) / args.count
                print(f"{kind:<11} {operation:<8} {per_op:>12.1f} {wall_ms:>8.2f}")
                ok &= per_op <= TARGETS[operation]
        print(
            "targets: "
            + ", ".join(f"{op} ≤ {n}" for op, n in TARGETS.items())
            + f" requests: {'met' if ok else 'MISSED'}"
        )
    finally:
        fake.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
