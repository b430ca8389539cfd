"""A dry run of the backup chain: the offsite mirror's own script and rclone configuration (rendered by the code
the CronJob uses) run with rclone against a real S3 server (SeaweedFS), from the platform's buckets to a
versioned "offsite" bucket, twice: the second run copies nothing, an object deleted in the platform survives
offsite, and a changed one becomes a new version there."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.layers.backups.mirror import MIRRORED, copy_commands, remote_environment, script
from components.platform.contracts import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from tests.support.s3_server import ADMIN, WeedServer
from tests.support.stacks import PROJECT_ROOT

RCLONE = PROJECT_ROOT / ".tools" / "rclone" / "usr" / "bin" / "rclone"
BUCKETS = {logical: f"platform-{logical}" for logical in MIRRORED}
OFFSITE = "offsite-copy"


@pytest.fixture(scope="module")
def s3() -> Iterator[WeedServer]:
    server = WeedServer()
    server.start()
    client = server.client()
    for bucket in [*BUCKETS.values(), OFFSITE]:
        client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=OFFSITE, VersioningConfiguration={"Status": "Enabled"})
    yield server
    server.cleanup()


def mirror(s3: WeedServer, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if not RCLONE.exists():
        pytest.fail(f"{RCLONE} is missing: scripts/setup --test unpacks Debian's rclone there")
    for remote in ("platform", "offsite"):
        (tmp_path / remote).mkdir(exist_ok=True)
        (tmp_path / remote / ACCESS_KEY_ID).write_text(ADMIN.access_key)
        (tmp_path / remote / SECRET_ACCESS_KEY).write_text(ADMIN.secret_key)
    env = {
        "PATH": f"{RCLONE.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RCLONE_CONFIG": str(tmp_path / "rclone.conf"),
        **remote_environment("platform", endpoint=s3.endpoint, region="us-east-1", provider="Other"),
        **remote_environment("offsite", endpoint=s3.endpoint, region="us-east-1", provider="Other"),
    }
    text = script(copy_commands(BUCKETS, OFFSITE), secrets_dir=str(tmp_path))
    return subprocess.run(["sh", "-c", text], env=env, capture_output=True, text=True, timeout=300, check=False)


def transferred(result: subprocess.CompletedProcess[str]) -> int:
    """Files copied, from rclone's INFO lines (`<name>: Copied (new)` / `Copied (replaced existing)`)."""
    return result.stderr.count(": Copied (")


def test_the_mirror_copies_incrementally_keeps_deletions_and_versions_changes(s3: WeedServer, tmp_path: Path) -> None:
    client = s3.client()
    for logical, bucket in BUCKETS.items():
        client.put_object(Bucket=bucket, Key=f"{logical}/part-0.parquet", Body=f"{logical} v1".encode())
    client.put_object(Bucket=BUCKETS["backups"], Key="postgresql/base/2026-12-04.tar", Body=b"base backup")

    first = mirror(s3, tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert transferred(first) == 5 and "mirror complete" in first.stdout
    second = mirror(s3, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert transferred(second) == 0, "nothing changed, nothing copied: " + second.stderr[-2000:]

    client.delete_object(Bucket=BUCKETS["bronze"], Key="bronze/part-0.parquet")
    client.put_object(Bucket=BUCKETS["gold"], Key="gold/part-0.parquet", Body=b"gold v2, rebuilt by dbt")
    third = mirror(s3, tmp_path)
    assert third.returncode == 0, third.stderr[-3000:]
    assert transferred(third) == 1
    kept = client.get_object(Bucket=OFFSITE, Key="bronze/bronze/part-0.parquet")["Body"].read()
    assert kept == b"bronze v1", "deleted in the platform, still offsite"
    versions = client.list_object_versions(Bucket=OFFSITE, Prefix="gold/gold/part-0.parquet")["Versions"]
    assert len(versions) == 2, "the changed object is a new version offsite"
    assert client.get_object(Bucket=OFFSITE, Key="gold/gold/part-0.parquet")["Body"].read() == b"gold v2, rebuilt by dbt"
    assert ADMIN.secret_key not in first.stdout + first.stderr, "rclone never prints a key"
