"""Fixtures of this folder's tests: the fake Airbyte, and the providers in process and over gRPC."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from components.providers.airbyte.actor import AirbyteDestinationProvider, AirbyteSourceProvider
from components.providers.airbyte.connection import AirbyteConnectionProvider
from components.providers.airbyte.workspace import AirbyteWorkspaceProvider
from tests.support.fake_airbyte import FakeAirbyte
from tests.support.provider_protocol import InProcess, ProviderProcess


@pytest.fixture
def airbyte() -> Iterator[FakeAirbyte]:
    fake = FakeAirbyte().start()
    yield fake
    fake.stop()


@pytest.fixture(params=["in-process", "grpc"], scope="package")
def providers(request: pytest.FixtureRequest) -> Iterator[dict]:
    if request.param == "in-process":
        yield {
            "source": InProcess(AirbyteSourceProvider()),
            "destination": InProcess(AirbyteDestinationProvider()),
            "connection": InProcess(AirbyteConnectionProvider()),
            "workspace": InProcess(AirbyteWorkspaceProvider()),
        }
        return
    with (
        ProviderProcess(AirbyteSourceProvider(), "pulumi-python:dynamic/airbyte:Source") as source,
        ProviderProcess(AirbyteDestinationProvider(), "pulumi-python:dynamic/airbyte:Destination") as destination,
        ProviderProcess(AirbyteConnectionProvider(), "pulumi-python:dynamic/airbyte:Connection") as connection,
        ProviderProcess(AirbyteWorkspaceProvider(), "pulumi-python:dynamic/airbyte:Workspace") as workspace,
    ):
        yield {"source": source, "destination": destination, "connection": connection, "workspace": workspace}
