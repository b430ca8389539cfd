"""Superset's and Valkey's configuration, as text: one source for the pods and the tests.

`superset_config.py` is a ConfigMap and holds no secret: it reads the secret key, the metadata database's
credential and Valkey's password from the Secret files mounted under `/secrets`. Valkey's configuration
holds its password, so it is a Secret.
"""

from __future__ import annotations

from pathlib import Path

SCRIPTS = Path(__file__).parent / "scripts"
SECRETS_DIR = "/secrets"
CA_DIR = "/etc/platform-ca"
STATSD_PORT = 9125
"""UDP port of the statsd-exporter sidecar, where Superset sends its StatsD metrics (inside the pod)."""

SUPERSET_CONFIG = f'''\
"""Superset's configuration for the data platform (components/layers/presentation/config.py).

Secrets are read from the mounted Secret files; this file holds none. Reloaded when the pods restart.
"""

import os
from pathlib import Path
from urllib.parse import quote

from superset.stats_logger import StatsdStatsLogger


def _secret(name: str, key: str) -> str:
    return Path(SECRETS, name, key).read_text().strip()


SECRETS = os.environ.get("SUPERSET_SECRETS_DIR", "{SECRETS_DIR}")

# Encrypts the database passwords Superset stores: never change it once data exists.
SECRET_KEY = _secret("superset", "SECRET_KEY")

_db = {{key: _secret("database", key) for key in ("username", "password", "host", "port", "database")}}
SQLALCHEMY_DATABASE_URI = (
    f"postgresql+psycopg2://{{quote(_db['username'], safe='')}}:{{quote(_db['password'], safe='')}}"
    f"@{{_db['host']}}:{{_db['port']}}/{{_db['database']}}?sslmode={{os.environ.get('SUPERSET_DB_SSLMODE', 'require')}}"
)
SQLALCHEMY_ENGINE_OPTIONS = {{"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}}

_valkey = f"redis://:{{quote(_secret('valkey', 'password'), safe='')}}@{{os.environ['VALKEY_HOST']}}:{{os.environ['VALKEY_PORT']}}"
_cache = {{"CACHE_TYPE": "RedisCache", "CACHE_DEFAULT_TIMEOUT": 300, "CACHE_REDIS_URL": f"{{_valkey}}/1"}}
CACHE_CONFIG = {{**_cache, "CACHE_KEY_PREFIX": "superset_"}}
DATA_CACHE_CONFIG = {{**_cache, "CACHE_KEY_PREFIX": "superset_data_", "CACHE_DEFAULT_TIMEOUT": 3600}}
FILTER_STATE_CACHE_CONFIG = {{**_cache, "CACHE_KEY_PREFIX": "superset_filter_", "CACHE_DEFAULT_TIMEOUT": 86400}}
EXPLORE_FORM_DATA_CACHE_CONFIG = {{**_cache, "CACHE_KEY_PREFIX": "superset_explore_", "CACHE_DEFAULT_TIMEOUT": 86400}}
RATELIMIT_STORAGE_URI = f"{{_valkey}}/2"


class CeleryConfig:
    broker_url = f"{{_valkey}}/0"
    result_backend = f"{{_valkey}}/0"
    imports = ("superset.sql_lab", "superset.tasks.scheduler", "superset.tasks.thumbnails", "superset.tasks.cache")
    worker_prefetch_multiplier = 1
    task_acks_late = False
    # The default schedule (reports every minute, log pruning daily) stays as Superset ships it.


CELERY_CONFIG = CeleryConfig
from cachelib.redis import RedisCache  # noqa: E402 - after the URL it needs

RESULTS_BACKEND = RedisCache(
    host=os.environ["VALKEY_HOST"], port=int(os.environ["VALKEY_PORT"]), password=_secret("valkey", "password"),
    db=3, key_prefix="superset_results",
)

# Behind the platform's reverse proxy, which terminates TLS.
ENABLE_PROXY_FIX = True
SESSION_COOKIE_SECURE = True
TALISMAN_ENABLED = True

# The roles provider manages roles through Flask-AppBuilder's security API.
FAB_ADD_SECURITY_API = True

FEATURE_FLAGS = {{
    # A dashboard's roles grant access to its charts' data: the Viewer role needs no dataset permission.
    "DASHBOARD_RBAC": True,
}}

STATS_LOGGER = StatsdStatsLogger(host="127.0.0.1", port={STATSD_PORT}, prefix="superset")
'''

STATSD_MAPPING = """\
# Superset's StatsD metrics as Prometheus metrics (statsd-exporter's mapping; kept in the repository).
# gunicorn (run-server.sh, --statsd-prefix=superset) reports every HTTP answer; Superset's REST API classes
# report `<Api>.<method>.success|warning|error` (2xx-3xx, 4xx, 5xx) and `<Api>.<method>.time`. Globs match in
# this order: the first that matches wins.
defaults:
  observer_type: histogram
  histogram_options:
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
mappings:
  - match: "superset.gunicorn.request.status.*"
    name: "superset_http_responses_total"
    labels:
      status: "$1"
  - match: "superset.gunicorn.request.duration"
    name: "superset_http_request_duration_seconds"
  - match: "superset.gunicorn.log.*"
    name: "superset_gunicorn_log_total"
    labels:
      level: "$1"
  - match: "superset.gunicorn.*"
    name: "superset_gunicorn_${1}"
  - match: "superset.*.*.time"
    name: "superset_api_request_duration_seconds"
    labels:
      api: "$1"
      method: "$2"
  - match: "superset.*.*.*"
    name: "superset_api_calls_total"
    labels:
      api: "$1"
      method: "$2"
      outcome: "$3"
  - match: "superset.*"
    name: "superset_${1}_total"
"""


def valkey_conf(password: str, *, persistence: bool, memory_limit_mib: int) -> str:
    """valkey.conf: password, memory bound below the container's limit, and persistence as the stack asks."""
    # A cache that evicts least-recently-used keys before the kernel kills the container.
    max_memory_mib = max(16, int(memory_limit_mib * 0.75))
    lines = [
        "# Written by the data platform (components/layers/presentation/config.py).",
        "bind 0.0.0.0",
        "port 6379",
        "dir /data",
        f"requirepass {password}",
        f"maxmemory {max_memory_mib}mb",
        "maxmemory-policy allkeys-lru",
        "protected-mode no",
    ]
    if persistence:
        lines += ["appendonly yes", "appendfsync everysec", 'save ""']
    else:
        lines += ["appendonly no", 'save ""']
    return "\n".join(lines) + "\n"


def flight_uri(*, username: str, password: str, host: str, port: int) -> str:
    """Superset's SQLAlchemy URI for Dremio over Arrow Flight with TLS, verified against the platform CA."""
    return (
        f"dremio+flight://{username}:{password}@{host}:{port}/dremio"
        f"?UseEncryption=true&TrustedCerts={CA_DIR}/ca.crt"
    )


def script(name: str) -> str:
    return (SCRIPTS / name).read_text()
