"""A real Apache Superset 6.1.0 for the tests, from `.venv-superset` (made by `scripts/setup --test`).

Following docs/testing.md: the metadata database (SQLite) is migrated,
given an admin user and initialised once per Superset lock file, and kept in `.cache/superset/`;
each test session copies it into a fresh SUPERSET_HOME and starts gunicorn on a free port of
127.0.0.1, so a cached start takes seconds rather than a minute. CSRF stays on, as in production.
The access-token lifetime comes from SUPERSET_TEST_JWT_SECONDS so a test can watch it expire.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.support.postgres_server import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
VENV = PROJECT_ROOT / ".venv-superset"
LOCK_FILE = PROJECT_ROOT / "requirements-superset.txt"
CACHE = PROJECT_ROOT / ".cache" / "superset"


def _admin_password() -> str:
    """Generated once per checkout and kept beside the cached metadata databases it is built into."""
    path = CACHE / "admin-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(18))
        path.chmod(0o600)
    return path.read_text().strip()


ADMIN = {"username": "admin", "password": _admin_password()}
"""The throwaway test server's administrator."""

CONFIG = """\
import os
from datetime import timedelta

SECRET_KEY = os.environ["SUPERSET_TEST_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(os.environ["SUPERSET_HOME"], "superset.db") + "?check_same_thread=false"
WTF_CSRF_ENABLED = True
JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=int(os.environ.get("SUPERSET_TEST_JWT_SECONDS", "900")))
TALISMAN_ENABLED = False
"""


class SupersetServer:
    def __init__(self, jwt_seconds: int = 900):
        if not (VENV / "bin" / "superset").exists():
            raise RuntimeError(f"{VENV} has no Superset; run scripts/setup --test")
        self.jwt_seconds = jwt_seconds
        self.home = Path(tempfile.mkdtemp(prefix="superset-test-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.timings: dict[str, float] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self, home: Path, secret_key: str) -> dict[str, str]:
        (home / "superset_config.py").write_text(CONFIG)
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET_", "FLASK_", "PYTHON"))},
            "SUPERSET_HOME": str(home),
            "SUPERSET_CONFIG_PATH": str(home / "superset_config.py"),
            "SUPERSET_TEST_SECRET_KEY": secret_key,
            "SUPERSET_TEST_JWT_SECONDS": str(self.jwt_seconds),
        }

    def _template(self) -> Path:
        """The migrated, initialised metadata database with the admin user; built once per lock file."""
        key = hashlib.sha256(LOCK_FILE.read_bytes() + CONFIG.encode() + repr(ADMIN).encode()).hexdigest()[:16]
        cached = CACHE / key
        if (cached / "superset.db").exists():
            return cached
        began = time.monotonic()
        building = Path(tempfile.mkdtemp(prefix="superset-template-"))
        secret_key = secrets.token_urlsafe(48)
        env = self._env(building, secret_key)
        superset = str(VENV / "bin" / "superset")
        for command in (
            [superset, "db", "upgrade"],
            [
                superset,
                "fab",
                "create-admin",
                "--username",
                ADMIN["username"],
                "--firstname",
                "Test",
                "--lastname",
                "Admin",
                "--email",
                "admin@example.com",
                "--password",
                ADMIN["password"],
            ],
            [superset, "init"],
        ):
            result = subprocess.run(command, env=env, cwd=building, capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"{' '.join(command[1:3])} failed:\n{result.stderr[-3000:]}")
        (building / "secret_key").write_text(secret_key)
        cached.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path for path in CACHE.iterdir() if path.is_dir()):
            shutil.rmtree(stale, ignore_errors=True)  # built for another lock file or password
        shutil.copytree(building, cached, ignore=shutil.ignore_patterns("superset_config.py"))
        shutil.rmtree(building, ignore_errors=True)
        self.timings["template build"] = time.monotonic() - began
        return cached

    def start(self) -> SupersetServer:
        began = time.monotonic()
        template = self._template()
        shutil.copy(template / "superset.db", self.home / "superset.db")
        env = self._env(self.home, (template / "secret_key").read_text())
        self._log = open(self.home / "server.log", "w")  # noqa: SIM115 - open for the server's lifetime
        self.process = subprocess.Popen(
            [
                str(VENV / "bin" / "gunicorn"),
                "-w",
                "1",
                "-k",
                "gthread",
                "--threads",
                "8",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                "-b",
                f"127.0.0.1:{self.port}",
                "superset.app:create_app()",
            ],
            env=env,
            cwd=self.home,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Superset exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    self.timings["start"] = time.monotonic() - began
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"Superset did not answer /health within 180 s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return (self.home / "server.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process:
            self._log.close()
        shutil.rmtree(self.home, ignore_errors=True)
