"""Driving a dynamic provider the way the Pulumi engine does: over gRPC, in its own process.

`ProviderProcess` starts `python -m pulumi.dynamic` (the module the CLI's pulumi-resource-pulumi-python
plugin runs), reads the port it prints, and calls Check/Diff/Create/Read/Update/Delete with property
bags built as the engine builds them: the provider serialised exactly as the SDK does
(`serialize_provider`) under `__provider`, secrets sent as plain values (the provider answers
acceptSecrets=false). Failures come back as `ProviderCallError` with the provider's message.

`InProcess` offers the same calls on a provider object, so every test can run through both paths.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pulumi.dynamic
from google.protobuf import json_format, struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from offline.manifests import integral_numbers

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
PROVIDER_KEY = "__provider"


class ProviderCallError(Exception):
    """A provider method failed; `str()` is the provider's message (gRPC details over the protocol)."""


@dataclass(frozen=True)
class Diff:
    changes: bool
    replaces: list[str]
    delete_before_replace: bool
    stables: list[str] | None
    """Only in process: the Python host does not send the stable (unchanged) keys over gRPC."""

    def changed(self, keys: tuple[str, ...]) -> list[str] | None:
        """Of `keys`, those the diff reports changed (None over gRPC, where stables are not sent)."""
        return None if self.stables is None else [key for key in keys if key not in self.stables]


@dataclass(frozen=True)
class Read:
    id: str | None
    outs: dict[str, Any]
    inputs: dict[str, Any] | None


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _plain(message: struct_pb2.Struct) -> dict[str, Any]:
    values = json_format.MessageToDict(message)
    values.pop(PROVIDER_KEY, None)
    return integral_numbers(values)


class ProviderProcess:
    def __init__(self, provider: pulumi.dynamic.ResourceProvider, type_token: str, env: dict[str, str] | None = None):
        self.blob = serialize_provider(provider)
        self.type_token = type_token
        self._env = env or {}
        self._process: subprocess.Popen | None = None
        self._channel: grpc.Channel | None = None
        self.stub: provider_pb2_grpc.ResourceProviderStub

    def __enter__(self) -> ProviderProcess:
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PULUMI_PROJECT": "data-platform", **self._env}
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdout is not None
        port = self._process.stdout.readline().decode().strip()
        if not port.isdigit():
            raise RuntimeError(f"the provider did not print its port: {port!r} {self._process.stderr.read().decode()[-2000:]}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self._channel).result(timeout=10)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        return self

    def __exit__(self, *_: object) -> None:
        if self._channel:
            self._channel.close()
        if self._process:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)

    def urn(self, name: str) -> str:
        return f"urn:pulumi:test::data-platform::{self.type_token}::{name}"

    def _bag(self, values: dict[str, Any]) -> struct_pb2.Struct:
        return _struct({**values, PROVIDER_KEY: self.blob})

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request, timeout=300)
        except grpc.RpcError as error:
            raise ProviderCallError(error.details()) from None

    def check(self, news: dict[str, Any], olds: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self._call(
            "Check", provider_pb2.CheckRequest(urn=self.urn("r"), olds=self._bag(olds or {}), news=self._bag(news))
        )
        return _plain(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Diff:
        response = self._call(
            "Diff", provider_pb2.DiffRequest(id=id_, urn=self.urn("r"), olds=self._bag(olds), news=self._bag(news))
        )
        return Diff(
            changes=response.changes == provider_pb2.DiffResponse.DIFF_SOME,
            replaces=list(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
            stables=None,
        )

    def create(self, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call("Create", provider_pb2.CreateRequest(urn=self.urn("r"), properties=self._bag(props)))
        return response.id, _plain(response.properties)

    def read(self, id_: str, props: dict[str, Any]) -> Read:
        response = self._call("Read", provider_pb2.ReadRequest(id=id_, urn=self.urn("r"), properties=self._bag(props)))
        inputs = _plain(response.inputs) if response.HasField("inputs") else None
        return Read(id=response.id or None, outs=_plain(response.properties), inputs=inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        response = self._call(
            "Update", provider_pb2.UpdateRequest(id=id_, urn=self.urn("r"), olds=self._bag(olds), news=self._bag(news))
        )
        return _plain(response.properties)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._call("Delete", provider_pb2.DeleteRequest(id=id_, urn=self.urn("r"), properties=self._bag(props)))


class InProcess:
    """The same calls on a provider object in this process (no pickling, no gRPC)."""

    def __init__(self, provider: pulumi.dynamic.ResourceProvider):
        self.provider = provider

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def _run(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.provider, method)(*args)
        except Exception as error:  # noqa: BLE001 - mirror the protocol: every failure is a message
            raise ProviderCallError(str(error)) from error

    def check(self, news: dict[str, Any], olds: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        result = self._run("check", olds or {}, news)
        return integral_numbers(result.inputs), [(f.property, f.reason) for f in result.failures or []]

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Diff:
        result = self._run("diff", id_, olds, news)
        return Diff(
            changes=bool(result.changes),
            replaces=list(result.replaces or []),
            delete_before_replace=bool(result.delete_before_replace),
            stables=list(result.stables or []),
        )

    def create(self, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        result = self._run("create", props)
        return result.id, integral_numbers(result.outs)

    def read(self, id_: str, props: dict[str, Any]) -> Read:
        result = self._run("read", id_, props)
        return Read(id=result.id, outs=integral_numbers(result.outs or {}), inputs=integral_numbers(result.inputs) if result.inputs is not None else None)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        return integral_numbers(self._run("update", id_, olds, news).outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._run("delete", id_, props)


def checked(driver: InProcess | ProviderProcess, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    """The inputs as check returns them; fails the test when check reports a problem."""
    inputs, failures = driver.check(news, olds)
    assert failures == [], failures
    return inputs


def create(driver: InProcess | ProviderProcess, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check, then create, as the engine does."""
    return driver.create(checked(driver, news))
