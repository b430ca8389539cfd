"""The shell scripts of the processing pods, run for real with sh, awk and curl.

* `render-config.sh` fills the configuration templates from mounted Secret files;
* `dremio-admin.sh` sets Dremio up and takes metadata backups, against the fake Dremio over HTTP;
* `upload-backup.sh` drives `mc`, here a stand-in that records its arguments (no `mc` binary can run here).
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from components.layers.processing.config import SCRIPTS, DremioPorts, S3Endpoint, core_site, dremio_conf
from components.platform.catalog import service
from tests.support.fake_dremio import FakeDremio

ADMIN = ("platform_admin", "Secret123abc")


def run(script: str, env: dict[str, str], *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPTS / script), *args],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def secrets_dir(tmp_path: Path, values: dict[str, str]) -> Path:
    directory = tmp_path / "secrets"
    directory.mkdir()
    for key, value in values.items():
        (directory / key).write_text(value)
    return directory


# --- render-config.sh --------------------------------------------------------------------------------------


def _render(tmp_path: Path, templates: dict[str, str], secrets: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "templates").mkdir()
    for name, text in templates.items():
        (tmp_path / "templates" / name).write_text(text)
    (tmp_path / "out").mkdir()
    return run(
        "render-config.sh",
        {
            "TEMPLATES_DIR": str(tmp_path / "templates"),
            "SECRETS_DIR": str(secrets_dir(tmp_path, secrets)),
            "TARGET_DIR": str(tmp_path / "out"),
        },
    )


def test_render_fills_the_real_templates_and_escapes_xml(tmp_path: Path) -> None:
    ports = DremioPorts(**{f: service("dremio_coordinator").ports[f] for f in DremioPorts.__dataclass_fields__})
    templates = {
        "dremio.conf": dremio_conf(zookeeper="zk-0:2181", dist_bucket="dremio", ports=ports),
        "core-site.xml": core_site(S3Endpoint.from_url("https://s3.example.com"), region="eu-west-1"),
    }
    # An AWS-style secret key: '/' and '+' must pass unchanged, '&' and '<' must be escaped in XML.
    secrets = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "a/b+c&d<e", "KEYSTORE_PASSWORD": "kspass123"}
    result = _render(tmp_path, templates, secrets)
    assert result.returncode == 0, result.stderr
    assert "wrote 2 file(s)" in result.stdout and "a/b+c" not in result.stdout + result.stderr
    conf = (tmp_path / "out" / "dremio.conf").read_text()
    site = (tmp_path / "out" / "core-site.xml").read_text()
    assert "@@" not in conf + site
    assert conf.count('"kspass123"') == 4  # web and Flight: keystore and key passwords
    assert "<value>a/b+c&amp;d&lt;e</value>" in site and "<value>AKIAEXAMPLE</value>" in site
    assert stat.S_IMODE((tmp_path / "out" / "core-site.xml").stat().st_mode) == 0o600


def test_render_keeps_the_images_own_files(tmp_path: Path) -> None:
    image_conf = tmp_path / "image-conf"
    image_conf.mkdir()
    (image_conf / "logback.xml").write_text("<configuration/>")
    (image_conf / "dremio.conf").write_text("image default")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "dremio.conf").write_text("ours")
    (tmp_path / "out").mkdir()
    result = run(
        "render-config.sh",
        {
            "TEMPLATES_DIR": str(tmp_path / "templates"),
            "SECRETS_DIR": str(tmp_path),
            "TARGET_DIR": str(tmp_path / "out"),
            "IMAGE_CONF_DIR": str(image_conf),
        },
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "logback.xml").read_text() == "<configuration/>"
    assert (tmp_path / "out" / "dremio.conf").read_text() == "ours\n"


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({}, "dremio.conf needs KEYSTORE_PASSWORD, which no mounted Secret provides"),
        ({"KEYSTORE_PASSWORD": ""}, "dremio.conf needs KEYSTORE_PASSWORD, which no mounted Secret provides (or it is empty)"),
        ({"KEYSTORE_PASSWORD": 'bad"quote'}, "the value of KEYSTORE_PASSWORD cannot be written into dremio.conf"),
    ],
)
def test_render_refuses_a_missing_or_unsafe_value_without_printing_it(tmp_path: Path, secrets: dict, message: str) -> None:
    result = _render(tmp_path, {"dremio.conf": 'keyStorePassword: "@@KEYSTORE_PASSWORD@@"\n'}, secrets)
    assert result.returncode == 3
    assert message in result.stderr
    assert "bad" not in result.stderr
    assert not (tmp_path / "out" / "dremio.conf").exists()


# --- dremio-admin.sh ------------------------------------------------------------------------------------------


@pytest.fixture
def dremio():
    fake = FakeDremio().start()
    yield fake
    fake.stop()


def admin_env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    admin = tmp_path / "admin"
    admin.mkdir(exist_ok=True)
    (admin / "username").write_text(ADMIN[0])
    (admin / "password").write_text(ADMIN[1])
    return {"DREMIO_URL": url, "ADMIN_DIR": str(admin), "READY_TIMEOUT_SECONDS": "20", "READY_POLL_SECONDS": "1", **extra}


def test_setup_creates_the_administrator_and_enables_the_support_key(dremio: FakeDremio, tmp_path: Path) -> None:
    result = run("dremio-admin.sh", admin_env(tmp_path, dremio.url, ADMIN_EMAIL="a@b.invalid"), "setup")
    assert result.returncode == 0, result.stderr
    assert dremio.users[ADMIN[0]]["email"] == "a@b.invalid" and dremio.users[ADMIN[0]]["password"] == ADMIN[1]
    assert dremio.system_options["store.plugin.keep_metadata_on_replace"] is True
    assert ADMIN[1] not in result.stdout + result.stderr
    assert "administrator platform_admin, store.plugin.keep_metadata_on_replace enabled" in result.stdout


def test_setup_is_harmless_to_run_again(dremio: FakeDremio, tmp_path: Path) -> None:
    env = admin_env(tmp_path, dremio.url, ADMIN_EMAIL="a@b.invalid")
    assert run("dremio-admin.sh", env, "setup").returncode == 0
    dremio.requests.clear()
    again = run("dremio-admin.sh", env, "setup")
    assert again.returncode == 0, again.stderr
    assert ("PUT", "/apiv2/bootstrap/firstuser") not in dremio.requests
    assert len(dremio.users) == 1


def test_setup_waits_for_a_coordinator_that_is_still_starting(dremio: FakeDremio, tmp_path: Path) -> None:
    dremio.fail_next(1, 503)  # the first status check: Dremio is still building its catalog
    result = run("dremio-admin.sh", admin_env(tmp_path, dremio.url, ADMIN_EMAIL="a@b.invalid"), "setup", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "waiting for Dremio" in result.stdout


def test_setup_names_a_changed_password_instead_of_creating_a_second_user(dremio: FakeDremio, tmp_path: Path) -> None:
    dremio.users["platform_admin"] = {"password": "Another123pw", "id": "1"}
    result = run("dremio-admin.sh", admin_env(tmp_path, dremio.url, ADMIN_EMAIL="a@b.invalid"), "setup")
    assert result.returncode == 1
    assert "logging in as platform_admin answered 401" in result.stderr and "dremio-admin set-password" in result.stderr
    assert ADMIN[1] not in result.stderr


def test_setup_fails_when_dremio_refuses_the_support_key(dremio: FakeDremio, tmp_path: Path) -> None:
    del dremio.system_options["store.plugin.keep_metadata_on_replace"]
    result = run("dremio-admin.sh", admin_env(tmp_path, dremio.url, ADMIN_EMAIL="a@b.invalid"), "setup")
    assert result.returncode == 1
    assert "ended FAILED: VALIDATION ERROR: The option 'store.plugin.keep_metadata_on_replace' does not exist." in result.stderr


def test_setup_gives_up_on_an_unreachable_dremio_naming_it(tmp_path: Path) -> None:
    env = admin_env(tmp_path, "http://127.0.0.1:9", ADMIN_EMAIL="a@b.invalid", READY_TIMEOUT_SECONDS="0")
    result = run("dremio-admin.sh", env, "setup")
    assert result.returncode == 1
    assert "Dremio at http://127.0.0.1:9 was not ready after 0s" in result.stderr


def test_backup_writes_into_the_dremio_bucket_and_records_its_stamp(dremio: FakeDremio, tmp_path: Path) -> None:
    assert run("dremio-admin.sh", admin_env(tmp_path, dremio.url, ADMIN_EMAIL="a@b.invalid"), "setup").returncode == 0
    stamp_file = tmp_path / "stamp"
    env = admin_env(tmp_path, dremio.url, BACKUP_URI="dremioS3:///dremio/metadata-backups", STAMP_FILE=str(stamp_file))
    result = run("dremio-admin.sh", env, "backup")
    assert result.returncode == 0, result.stderr
    stamp = stamp_file.read_text().strip()
    assert dremio.backups == [f"dremioS3:///dremio/metadata-backups/{stamp}"]
    assert "backup created at dremioS3:///dremio/metadata-backups/" in result.stdout


def test_backup_on_a_dremio_without_its_administrator_fails_and_writes_no_stamp(dremio: FakeDremio, tmp_path: Path) -> None:
    stamp_file = tmp_path / "stamp"
    env = admin_env(tmp_path, dremio.url, BACKUP_URI="dremioS3:///dremio/metadata-backups", STAMP_FILE=str(stamp_file))
    result = run("dremio-admin.sh", env, "backup")
    assert result.returncode == 1 and "answered 403" in result.stderr
    assert not stamp_file.exists() and dremio.backups == []


# --- upload-backup.sh -----------------------------------------------------------------------------------------


def fake_mc(tmp_path: Path, fail_on: str = "") -> Path:
    """An `mc` that records each call's arguments, one line per call (and fails on `fail_on`)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "mc.log"
    (bin_dir / "mc").write_text(
        f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in *"{fail_on or "@never@"}"*) echo "mc: failed" >&2; exit 1;; esac\n'
    )
    (bin_dir / "mc").chmod(0o755)
    return bin_dir


def upload_env(tmp_path: Path, bin_dir: Path) -> dict[str, str]:
    for name, key in (("dist", "DISTKEY"), ("backups", "BACKUPKEY")):
        credentials = tmp_path / name
        credentials.mkdir()
        for item, value in {"S3_ENDPOINT": "http://object-storage:9000", "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": f"{key}-secret"}.items():
            (credentials / item).write_text(value)
    (tmp_path / "stamp").write_text("20261204T033000Z\n")
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "STAMP_FILE": str(tmp_path / "stamp"),
        "DIST_DIR": str(tmp_path / "dist"),
        "BACKUPS_DIR": str(tmp_path / "backups"),
        "DIST_BUCKET": "acme-dremio",
        "DIST_PREFIX": "metadata-backups",
        "BACKUPS_BUCKET": "acme-backups",
        "BACKUPS_PREFIX": "dremio",
        "RETENTION_DAYS": "30",
    }


def test_upload_copies_then_removes_the_staging_copy_then_prunes(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", str(SCRIPTS / "upload-backup.sh")], env=upload_env(tmp_path, fake_mc(tmp_path)),
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "mc.log").read_text().splitlines()
    assert calls == [
        "alias set dist http://object-storage:9000 DISTKEY DISTKEY-secret --api S3v4 --path on",
        "alias set backups http://object-storage:9000 BACKUPKEY BACKUPKEY-secret --api S3v4 --path on",
        "mirror --quiet dist/acme-dremio/metadata-backups/20261204T033000Z backups/acme-backups/dremio/20261204T033000Z",
        "rm --recursive --force dist/acme-dremio/metadata-backups/20261204T033000Z",
        "rm --recursive --force --older-than 30d backups/acme-backups/dremio/",
    ]
    assert "secret" not in result.stdout + result.stderr


def test_a_failed_copy_keeps_the_staging_copy_and_old_backups(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", str(SCRIPTS / "upload-backup.sh")], env=upload_env(tmp_path, fake_mc(tmp_path, fail_on="mirror")),
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode != 0
    assert not any(call.startswith("rm ") for call in (tmp_path / "mc.log").read_text().splitlines())


def test_upload_refuses_a_missing_stamp(tmp_path: Path) -> None:
    env = upload_env(tmp_path, fake_mc(tmp_path))
    (tmp_path / "stamp").write_text("")
    result = subprocess.run(["sh", str(SCRIPTS / "upload-backup.sh")], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1 and "no backup stamp" in result.stderr
    assert not (tmp_path / "mc.log").exists()


# --- zookeeper-start.sh ---------------------------------------------------------------------------------------


def test_zookeeper_start_derives_the_member_id_from_the_ordinal(tmp_path: Path) -> None:
    """The script with its absolute paths moved under a scratch directory: it writes /data/myid and copies /config."""
    script = (SCRIPTS / "zookeeper-start.sh").read_text()
    rooted = script.replace("/data", f"{tmp_path}/data").replace("/config", f"{tmp_path}/config")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "zoo.cfg").write_text("tickTime=2000\n")
    (tmp_path / "config" / "logback.xml").write_text("<configuration/>")
    (tmp_path / "conf").mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "zkServer.sh").write_text('#!/bin/sh\necho "started $*"\n')
    (bin_dir / "zkServer.sh").chmod(0o755)
    (tmp_path / "start.sh").write_text(rooted)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "POD_NAME": "zookeeper-2", "ZOOCFGDIR": str(tmp_path / "conf")}
    result = subprocess.run(["sh", str(tmp_path / "start.sh")], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started start-foreground"
    assert (tmp_path / "data" / "myid").read_text() == "3\n"
    assert (tmp_path / "conf" / "zoo.cfg").read_text() == "tickTime=2000\n"
    env["POD_NAME"] = "zookeeper"
    bad = subprocess.run(["sh", str(tmp_path / "start.sh")], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert bad.returncode == 1 and "cannot read an ordinal from zookeeper" in bad.stderr
