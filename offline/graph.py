"""Evaluate the Pulumi program for one stack without the Pulumi CLI or a cluster, and capture the graph.

The program runs exactly as `pulumi up` runs it (through the SDK's `run_in_stack`), with the stack's own
`Pulumi.<stack>.yaml` config, but talking to a mock engine. Every registration is recorded: type, name,
URN, parent, dependencies, the inputs as sent (secrets still marked) and the state the mock returned.
Stack outputs are recorded too.

Used by the tests (schema, Pod Security, topology and secret checks on the graph) and by the offline
plan (`python -m offline.plan <stack>`).

Objects the program reads from the cluster (`X.get(...)`) come from `CLUSTER_OBJECTS`, a small stand-in
cluster; tests pass their own with `cluster=`.

Mocked values: a `RandomPassword`, a TLS `PrivateKey` and an IAM `AccessKey`'s secret return `mock-secret-<name>` so leak checks can
search for it (a `RandomUuid` returns a UUID derived from its name; a `SelfSignedCert` returns a PEM-shaped `mock-<name>` certificate; a built image its tag with a
digest derived from the tag);
secret config values (`secure:` in the stack file, which only the CLI can decrypt) become
`mock-config-secret-<key>`. Kubernetes objects without `metadata.name` get `<resource name>-mock`,
standing in for Pulumi's auto-naming.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import runpy
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource_runtime
from pulumi.runtime import rpc
from pulumi.runtime import stack as pulumi_stack_runtime
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import SETTINGS, set_root_resource
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT = "data-platform"
MOCK_SECRET_PREFIX = "mock-secret-"
MOCK_CONFIG_SECRET_PREFIX = "mock-config-secret-"
MOCK_API_SERVER_ADDRESSES = ("172.18.0.3", "172.18.0.2")

CLUSTER_OBJECTS: dict[tuple[str, str], dict[str, Any]] = {
    # The API server's EndpointSlice for the `kubernetes` Service, as a kubeadm control plane of two nodes has it.
    ("kubernetes:discovery.k8s.io/v1:EndpointSlice", "default/kubernetes"): {
        "addressType": "IPv4",
        "endpoints": [{"addresses": [address]} for address in MOCK_API_SERVER_ADDRESSES],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
    },
}
"""(type, id) → state of the objects a stack may read from the cluster under mocks."""


@dataclass(frozen=True)
class ResourceRecord:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    dependencies: tuple[str, ...]
    inputs: dict[str, Any]
    """Inputs as the engine received them; secret values are wrapped (`rpc.is_rpc_secret`)."""
    state: dict[str, Any]
    """Outputs the mock engine returned (inputs plus mocked computed values)."""
    retain_on_delete: bool = False
    """The resource's `retain_on_delete` option: deleting it leaves the object where it is."""
    protect: bool = False
    """The resource's `protect` option: Pulumi refuses to delete or replace it."""

    @property
    def plain_inputs(self) -> dict[str, Any]:
        """Inputs with secret markers removed (values kept)."""
        return unwrap_secrets(self.inputs)


@dataclass
class StackGraph:
    stack: str
    resources: list[ResourceRecord] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs as registered; secret ones are wrapped."""
    secret_values: set[str] = field(default_factory=set)
    """Every mocked secret value handed to the program, for leak checks."""
    registered_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """URN → outputs passed to `register_outputs`, for every resource that called it."""
    reads: list[tuple[str, str]] = field(default_factory=list)
    """(type, id) of every object the program read from the cluster."""
    warnings: list[str] = field(default_factory=list)
    """What the program logged as warnings (`pulumi.log.warn`), as `pulumi up` would print them."""

    def by_urn(self) -> dict[str, ResourceRecord]:
        return {record.urn: record for record in self.resources}

    def of_type(self, type_token: str) -> list[ResourceRecord]:
        return [record for record in self.resources if record.type == type_token]

    def children(self, urn: str) -> list[ResourceRecord]:
        return [record for record in self.resources if record.parent == urn]

    def root(self) -> ResourceRecord:
        return next(record for record in self.resources if record.type == "pulumi:pulumi:Stack")

    def ancestors(self, record: ResourceRecord) -> Iterator[ResourceRecord]:
        index = self.by_urn()
        parent = record.parent
        while parent and parent in index:
            yield index[parent]
            parent = index[parent].parent


class _GraphMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that records every registration with its parent and dependencies."""

    def __init__(self, mocks: pulumi_mocks.Mocks, graph: StackGraph):
        super().__init__(mocks)
        self._graph = graph
        self._lock = threading.Lock()
        self.recording = False
        """Off while set_mocks registers its own throwaway root stack."""

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if not self.recording:
            return response
        registration = self.resources.get(response.urn)
        record = ResourceRecord(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            dependencies=tuple(request.dependencies),
            inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
            state=dict(registration.state) if registration else {},
            retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
            protect=bool(getattr(request, "protect", False)),
        )
        with self._lock:
            self._graph.resources.append(record)
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - gRPC method name
        if self.recording:
            outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
            with self._lock:
                self._graph.registered_outputs[request.urn] = outputs
                if request.urn.endswith(f"pulumi:pulumi:Stack::{PROJECT}-{self._graph.stack}"):
                    self._graph.outputs = outputs
        return super().RegisterResourceOutputs(request)


class _PlatformMocks(pulumi_mocks.Mocks):
    def __init__(self, graph: StackGraph, cluster: Mapping[tuple[str, str], dict[str, Any]]):
        self._graph = graph
        self._cluster = cluster

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict]:
        if args.resource_id:
            # A read of an existing object (`X.get`): what the stand-in cluster has, or a missing object.
            self._graph.reads.append((args.typ, args.resource_id))
            if (args.typ, args.resource_id) not in self._cluster:
                raise Exception(f"{args.typ} {args.resource_id} not found in the mocked cluster")
            return args.resource_id, dict(self._cluster[(args.typ, args.resource_id)])
        state = dict(args.inputs)
        if args.typ == "random:index/randomPassword:RandomPassword":
            secret = f"{MOCK_SECRET_PREFIX}{args.name}"
            self._graph.secret_values.add(secret)
            state["result"] = secret
        if args.typ == "random:index/randomUuid:RandomUuid":
            state["result"] = str(uuid.uuid5(uuid.NAMESPACE_URL, args.name))
        if args.typ == "tls:index/privateKey:PrivateKey":
            secret = f"{MOCK_SECRET_PREFIX}{args.name}"
            self._graph.secret_values.add(secret)
            state.update(privateKeyPem=secret, privateKeyOpenssh=secret, publicKeyPem=f"mock-public-key-{args.name}")
        if args.typ == "tls:index/selfSignedCert:SelfSignedCert":
            state["certPem"] = f"-----BEGIN CERTIFICATE-----\nmock-{args.name}\n-----END CERTIFICATE-----\n"
        if args.typ == "docker-build:index:Image":
            # What a push returns: the tag with the registry's digest (here a stable stand-in).
            tag = (state.get("tags") or [f"{args.name}:mock"])[0]
            digest = "sha256:" + hashlib.sha256(tag.encode()).hexdigest()
            state.update(digest=digest, ref=f"{tag}@{digest}")
        if args.typ == "aws:s3/bucket:Bucket":
            # AWS names a prefixed bucket; its ARN follows from the name.
            name = state.get("bucket") or f"{state.get('bucketPrefix', '')}mock"
            state.update(bucket=name, arn=f"arn:aws:s3:::{name}")
        if args.typ == "aws:iam/accessKey:AccessKey":
            secret = f"{MOCK_SECRET_PREFIX}{args.name}"
            self._graph.secret_values.add(secret)
            state["secret"] = secret
        if args.typ.startswith("kubernetes:") and isinstance(state.get("metadata"), dict):
            metadata = dict(state["metadata"])
            metadata.setdefault("name", f"{args.name}-mock")
            state["metadata"] = metadata
        return f"{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


class _Recorder(logging.Handler):
    """Keeps the program's warnings (the mock engine logs them through Python's logging)."""

    def __init__(self, graph: StackGraph):
        super().__init__(level=logging.WARNING)
        self._graph = graph

    def emit(self, record: logging.LogRecord) -> None:
        self._graph.warnings.append(record.getMessage())


def read_stack_config(path: Path) -> tuple[dict[str, str], list[str]]:
    """A stack file's config as the CLI hands it to the program: strings, objects as JSON text.

    `secure:` values cannot be decrypted without the CLI; they become mock secrets, marked secret.
    """
    document = yaml.safe_load(path.read_text()) or {}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (document.get("config") or {}).items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full_key] = f"{MOCK_CONFIG_SECRET_PREFIX}{full_key.split(':', 1)[1]}"
            secret_keys.append(full_key)
        elif isinstance(value, str):
            config[full_key] = value
        else:
            config[full_key] = json.dumps(value)
    return config, secret_keys


def evaluate_stack(
    stack: str,
    *,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    preview: bool = False,
    project_root: Path = PROJECT_ROOT,
    program: Path | None = None,
    into: StackGraph | None = None,
    cluster: Mapping[tuple[str, str], dict[str, Any]] = CLUSTER_OBJECTS,
) -> StackGraph:
    """Run `__main__.py` (or `program`) for `stack` under mocks and return everything it registered.

    `config` replaces the stack file's config entirely (keys fully qualified, values as the CLI passes
    them); by default the stack's own `Pulumi.<stack>.yaml` is used. Exceptions from the program
    (a SettingsError, a CapacityError) propagate unchanged; pass `into` to see what was registered
    before the failure.
    """
    if config is None:
        config, file_secret_keys = read_stack_config(project_root / f"Pulumi.{stack}.yaml")
        secret_keys = file_secret_keys + list(secret_keys or [])
    graph = into if into is not None else StackGraph(stack=stack)
    graph.secret_values.update(config[key] for key in secret_keys or [] if key in config)

    # Source positions (a stack trace per registration) serve the CLI's display only; under mocks they are
    # never read, and capturing them is a tenth of an evaluation's time.
    pulumi_resource_runtime._get_stack_trace = source_pb2.StackTrace
    # The SDK waits for outstanding outputs one at a time, re-arming every pending one each time: quadratic in
    # the number of outputs. Under mocks they all settle at once, so waiting for all of them is the same wait.
    pulumi_stack_runtime.wait_for_rpcs = _wait_for_rpcs
    mocks = _PlatformMocks(graph, cluster)
    logger = logging.getLogger(f"offline.graph.{stack}")
    logger.propagate = False
    logger.handlers = [_Recorder(graph)]
    monitor = _GraphMonitor(mocks, graph)
    # A new root stack per evaluation: set_mocks reuses an existing one, which would parent this run's
    # resources under an earlier stack. run_in_stack below creates the real one, as `pulumi up` does.
    set_root_resource(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor, logger=logger)
    _sync_await(_wait_for_rpcs())
    set_root_resource(None)
    monitor.recording = True
    pulumi.runtime.set_all_config(dict(config), list(secret_keys or []))

    if str(project_root) not in sys.path:
        sys.path.insert(0, str(project_root))
    saved_environment = os.environ.pop("PULUMI_CONFIG", None)
    try:
        program_path = str(program or project_root / "__main__.py")
        # As pulumi.runtime.test does: forget RPCs of earlier evaluations, then drive the program on the
        # SDK's own event loop, where set_mocks scheduled the root stack's registration.
        SETTINGS.rpc_manager.clear()
        SETTINGS.outputs.clear()
        _sync_await(run_in_stack(lambda: runpy.run_path(program_path, run_name="__main__")))
    finally:
        if saved_environment is not None:
            os.environ["PULUMI_CONFIG"] = saved_environment
    return graph


async def _wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """The SDK's `wait_for_rpcs` (pulumi.runtime.stack), waiting for every outstanding output at once."""
    rpc_manager = SETTINGS.rpc_manager
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            await rpc_manager.rpcs.pop()
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        while await_all_outstanding_tasks:
            with SETTINGS.lock:
                pending = list(SETTINGS.outputs)
                SETTINGS.outputs.clear()
            if not pending:
                break
            await asyncio.wait(pending)
            for task in pending:
                await task  # re-raises a failed output's exception here, as the SDK does
        if not rpc_manager.rpcs:
            break


def unwrap_secrets(value: Any) -> Any:
    """A copy of `value` with every secret marker replaced by the value it wraps."""
    if rpc.is_rpc_secret(value):
        return unwrap_secrets(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {key: unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(item) for item in value]
    return value


def strip_secrets(value: Any) -> Any:
    """A copy of `value` with every secret-marked part removed: what is stored in clear."""
    if rpc.is_rpc_secret(value):
        return None
    if isinstance(value, dict):
        return {key: strip_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [strip_secrets(item) for item in value]
    return value
