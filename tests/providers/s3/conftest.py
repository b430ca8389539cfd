"""Fixtures of this folder's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from components.providers.s3.bucket import BucketProvider
from tests.support.fault_proxy import FaultProxy
from tests.support.provider_protocol import InProcess, ProviderProcess
from tests.support.s3_server import WeedServer


@pytest.fixture(scope="package")
def server() -> Iterator[WeedServer]:
    weed = WeedServer()
    weed.start()
    yield weed
    weed.cleanup()


@pytest.fixture(scope="package")
def proxy(server: WeedServer) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy("127.0.0.1", server.base_port + 6).start()
    yield fault_proxy
    fault_proxy.stop()


@pytest.fixture(autouse=True)
def clean(server: WeedServer, proxy: FaultProxy) -> Iterator[None]:
    proxy.heal()
    yield
    proxy.heal()
    server.empty()


@pytest.fixture(params=["in-process", "grpc"], scope="package")
def provider(request: pytest.FixtureRequest) -> Iterator[InProcess | ProviderProcess]:
    if request.param == "in-process":
        yield InProcess(BucketProvider())
    else:
        with ProviderProcess(BucketProvider(), "pulumi-python:dynamic/s3:Bucket") as process:
            yield process


