"""What the runner is told: plain settings from the environment, credentials from mounted Secret files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """A required variable or credential file is missing: the pod is misconfigured."""


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ConfigError(f"the environment variable {name} is not set")
    return value


def credentials(directory_variable: str, *keys: str) -> dict[str, str]:
    """The files `keys` of the Secret mounted at $directory_variable."""
    directory = Path(env(directory_variable))
    values = {}
    for key in keys:
        path = directory / key
        if not path.is_file():
            raise ConfigError(f"{directory_variable}: {path} is missing (is the Secret mounted with key {key}?)")
        values[key] = path.read_text().strip()
    return values


@dataclass(frozen=True)
class Dremio:
    url: str
    username: str
    password: str
    ca_bundle: str | None

    @classmethod
    def from_environment(cls) -> Dremio:
        scheme = "https" if env("DREMIO_USE_SSL", "true").lower() == "true" else "http"
        login = credentials("DREMIO_CREDENTIALS_DIR", "username", "password")
        return cls(
            url=f"{scheme}://{env('DREMIO_HOST')}:{env('DREMIO_PORT', '9047')}",
            username=login["username"],
            password=login["password"],
            ca_bundle=os.environ.get("REQUESTS_CA_BUNDLE") or None,
        )


@dataclass(frozen=True)
class Lake:
    source: str
    space: str
    bronze: str
    silver: str
    gold: str

    @classmethod
    def from_environment(cls) -> Lake:
        return cls(
            source=env("DREMIO_LAKE_SOURCE", "lake"),
            space=env("DREMIO_SPACE", "lakehouse"),
            bronze=env("LAKE_BRONZE", "bronze"),
            silver=env("LAKE_SILVER", "silver"),
            gold=env("LAKE_GOLD", "gold"),
        )
