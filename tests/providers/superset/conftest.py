"""Fixtures of this folder's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from components.providers.superset.database import SupersetDatabaseProvider
from components.providers.superset.dataset import SupersetDatasetProvider
from components.providers.superset.role import SupersetRoleProvider
from tests.providers.superset.builders import APP_PASSWORD, DATA, JWT_SECONDS, Driver, Outsider
from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer
from tests.support.provider_protocol import InProcess, ProviderProcess
from tests.support.superset_server import SupersetServer

# --- servers ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def data() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    server.sql(f"CREATE ROLE app LOGIN PASSWORD '{APP_PASSWORD}'")
    server.sql("CREATE ROLE rotating LOGIN PASSWORD 'rotate-1'")
    server.sql("CREATE DATABASE shop OWNER app")
    server.sql(DATA, database="shop")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def superset() -> Iterator[SupersetServer]:
    server = SupersetServer(jwt_seconds=JWT_SECONDS).start()
    print(f"Superset ready: {server.timings}")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def proxy(superset: SupersetServer) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy("127.0.0.1", superset.port).start()
    yield fault_proxy
    fault_proxy.stop()


@pytest.fixture(scope="package")
def outsider(superset: SupersetServer) -> Outsider:
    client = Outsider(superset)
    client.remember_gamma()
    return client


@pytest.fixture(autouse=True)
def clean(outsider: Outsider, proxy: FaultProxy) -> Iterator[None]:
    proxy.heal()
    yield
    proxy.heal()
    outsider.empty()


@pytest.fixture(params=["in-process", "grpc"], scope="package")
def providers(request: pytest.FixtureRequest) -> Iterator[dict[str, Driver]]:
    if request.param == "in-process":
        yield {
            "database": InProcess(SupersetDatabaseProvider()),
            "dataset": InProcess(SupersetDatasetProvider()),
            "role": InProcess(SupersetRoleProvider()),
        }
        return
    with (
        ProviderProcess(SupersetDatabaseProvider(), "pulumi-python:dynamic/superset:Database") as database,
        ProviderProcess(SupersetDatasetProvider(), "pulumi-python:dynamic/superset:Dataset") as dataset,
        ProviderProcess(SupersetRoleProvider(), "pulumi-python:dynamic/superset:Role") as role,
    ):
        yield {"database": database, "dataset": dataset, "role": role}


