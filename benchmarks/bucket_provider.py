"""Benchmark: the Bucket provider against a local SeaweedFS (`weed mini`), through a counting proxy.

    .venv/bin/python benchmarks/bucket_provider.py [--sizes 10 100]

For each N: create N fully configured buckets (versioning, encryption, two lifecycle rules, a policy,
tags), read them all (a refresh), delete them all. Prints wall time per phase and HTTP requests per
bucket. Target: reading one fully configured bucket needs no more requests than it has configured
sub-resources (6: versioning, object lock, encryption, lifecycle, policy, tags); exits 1 when missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.providers.s3.bucket import BucketProvider  # noqa: E402
from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.s3_server import ADMIN, WeedServer  # noqa: E402

SUB_RESOURCES = 6


def configured(name: str, endpoint: str) -> dict:
    return {
        "connection": ADMIN.connection(endpoint),
        "name": name,
        "versioning": True,
        "encryption": "AES256",
        "lifecycle_rules": [
            {"id": "expire-tmp", "prefix": "tmp/", "expiration_days": 7},
            {"id": "old-versions", "noncurrent_expiration_days": 30},
        ],
        "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
                                                           "Resource": [f"arn:aws:s3:::{name}/public/*"]}]},
        "tags": {"layer": "bronze", "owner": "benchmark"},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    args = parser.parse_args()
    server = WeedServer()
    started = time.perf_counter()
    server.start()
    print(f"weed mini ready in {time.perf_counter() - started:.2f} s")
    proxy = FaultProxy("127.0.0.1", server.base_port + 6).start()
    provider = BucketProvider()
    ok = True
    try:
        print(f"{'N':>5} {'phase':<7} {'wall (s)':>9} {'ms/bucket':>10} {'requests/bucket':>16}")
        for size in args.sizes:
            names = [f"bench-{size}-{index:04d}" for index in range(size)]
            outputs = {}
            for phase in ("create", "read", "delete"):
                proxy.reset_counts()
                began = time.perf_counter()
                for name in names:
                    if phase == "create":
                        checked = provider.check({}, configured(name, proxy.endpoint))
                        outputs[name] = provider.create(checked.inputs).outs
                    elif phase == "read":
                        provider.read(name, outputs[name])
                    else:
                        provider.delete(name, outputs[name])
                wall = time.perf_counter() - began
                per_bucket = len(proxy.requests) / size
                print(f"{size:>5} {phase:<7} {wall:>9.2f} {1000 * wall / size:>10.1f} {per_bucket:>16.1f}")
                if phase == "read" and per_bucket > SUB_RESOURCES:
                    ok = False
        print(f"target: read ≤ {SUB_RESOURCES} requests per fully configured bucket: {'met' if ok else 'MISSED'}")
    finally:
        proxy.stop()
        server.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
