"""scripts/restore-backup.sh (restore.dremio.backup) run for real with a fake `mc` and a fake `dremio-admin`: it
fetches the backup, moves the current catalog aside, restores, and does nothing on later starts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from components.layers.processing.config import SCRIPTS

FAKE_MC = """#!/bin/sh
echo "mc $*" >> "$CALLS"
if [ "$1" = mirror ]; then mkdir -p "$4" && echo backup-content > "$4/catalog.json"; fi
"""
FAKE_ADMIN = """#!/bin/sh
echo "dremio-admin $*" >> "$CALLS"
test -f "$3/catalog.json" && mkdir -p "$DATA_DIR/db" && echo restored > "$DATA_DIR/db/state"
"""


def run(tmp_path: Path, step: str, admin: str = FAKE_ADMIN) -> subprocess.CompletedProcess[str]:
    bin_dir, home = tmp_path / "bin", tmp_path / "dremio"
    (home / "bin").mkdir(parents=True, exist_ok=True)
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "mc").write_text(FAKE_MC)
    (home / "bin" / "dremio-admin").write_text(admin)
    for tool in (bin_dir / "mc", home / "bin" / "dremio-admin"):
        tool.chmod(0o755)
    credentials = tmp_path / "credentials"
    credentials.mkdir(exist_ok=True)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT"):
        (credentials / key).write_text(f"{key.lower()}-value")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(tmp_path / "calls"), "BACKUP_STAMP": "20261204T033000Z",
        "DATA_DIR": str(tmp_path / "data"), "BACKUPS_DIR": str(credentials), "BACKUPS_BUCKET": "backups",
        "BACKUPS_PREFIX": "dremio", "DREMIO_HOME": str(home),
    }
    return subprocess.run(["sh", str(SCRIPTS / "restore-backup.sh"), step], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_the_backup_is_fetched_restored_over_a_catalog_moved_aside_and_only_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "db").mkdir(parents=True)
    (data / "db" / "state").write_text("the catalog before")
    for step in ("fetch", "apply"):
        result = run(tmp_path, step)
        assert result.returncode == 0, result.stderr
    assert (data / "db" / "state").read_text().strip() == "restored"
    assert (data / "db.before-restore-20261204T033000Z" / "state").read_text() == "the catalog before"
    assert (data / "restored-20261204T033000Z").exists() and not (data / "restore-20261204T033000Z").exists()
    calls = (tmp_path / "calls").read_text()
    assert "mc mirror --quiet backups/backups/dremio/20261204T033000Z" in calls and "dremio-admin restore -d" in calls
    assert "secret" not in result.stdout + result.stderr
    before = calls
    for step in ("fetch", "apply"):
        again = run(tmp_path, step)
        assert again.returncode == 0 and "nothing to do" in again.stdout
    assert (tmp_path / "calls").read_text() == before, "a restored backup is not fetched or restored again"


def test_a_failed_restore_leaves_no_marker(tmp_path: Path) -> None:
    assert run(tmp_path, "fetch").returncode == 0
    result = run(tmp_path, "apply", admin="#!/bin/sh\nexit 3\n")
    assert result.returncode == 3 and not (tmp_path / "data" / "restored-20261204T033000Z").exists()
