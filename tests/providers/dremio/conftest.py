"""Fixtures of this folder's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests

from tests.providers.dremio.builders import BRONZE_ORDERS, ORDERS, PASSWORD, PROVIDERS, Driver
from tests.support.fake_dremio import FakeDremio
from tests.support.provider_protocol import InProcess, ProviderProcess

# --- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture(params=["in-process", "grpc"], scope="package")
def providers(request: pytest.FixtureRequest) -> Iterator[dict[str, Driver]]:
    if request.param == "in-process":
        yield {kind: InProcess(cls()) for kind, (cls, _, _) in PROVIDERS.items()}
        return
    with ExitStack() as stack:
        yield {
            kind: stack.enter_context(ProviderProcess(cls(), f"pulumi-python:dynamic/dremio:{name}"))
            for kind, (cls, name, _) in PROVIDERS.items()
        }


@pytest.fixture
def fresh() -> Iterator[FakeDremio]:
    """A Dremio that has just started: no user yet."""
    fake = FakeDremio().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fresh: FakeDremio) -> FakeDremio:
    """A Dremio with its administrator and some data the sources can see."""
    answer = requests.put(f"{fresh.url}/apiv2/bootstrap/firstuser", json={"userName": "admin", "password": PASSWORD}, timeout=5)
    assert answer.status_code == 200
    fresh.seed_s3_folder(BRONZE_ORDERS, ORDERS)
    fresh.seed_s3_folder(["lake", "bronze", "customers.parquet"], [("customer_id", "BIGINT"), ("name", "VARCHAR")], file=True)
    fresh.seed_table(["warehouse", "public", "customers"], [("customer_id", "BIGINT"), ("name", "VARCHAR"), ("country", "VARCHAR")])
    return fresh


