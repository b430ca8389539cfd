"""Dremio's REST API, for what dbt needs before it runs and what the marts need after."""

from __future__ import annotations

import time
from urllib.parse import quote, urlsplit

import requests

from runner.config import Dremio, Lake, credentials


class DremioError(Exception):
    pass


class Session:
    def __init__(self, dremio: Dremio):
        self._dremio = dremio
        self._http = requests.Session()
        self._http.verify = dremio.ca_bundle or True
        response = self._http.post(
            f"{dremio.url}/apiv2/login", json={"userName": dremio.username, "password": dremio.password}, timeout=60
        )
        if response.status_code != 200:
            raise DremioError(f"logging in to {dremio.url} as {dremio.username} answered {response.status_code}")
        self._http.headers["Authorization"] = f"_dremio{response.json()['token']}"

    def request(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        return self._http.request(method, f"{self._dremio.url}{path}", json=body, timeout=120)

    def find(self, path: list[str]) -> dict | None:
        response = self.request("GET", "/api/v3/catalog/by-path/" + "/".join(quote(part, safe="") for part in path))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise DremioError(f"reading {'.'.join(path)} answered {response.status_code}")
        return response.json()

    def ensure_lake(self, lake: Lake) -> list[str]:
        """Create the lake's S3 source and the views' space when they are missing; never change existing ones.

        The platform's wiring declares both through the Dremio providers, which adopt what this made; until
        then (and on a fresh dev stack) dbt has somewhere to write. Returns what was created.
        """
        created = []
        if self.find([lake.source]) is None:
            s3 = credentials("LAKE_CREDENTIALS_DIR", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT")
            endpoint = urlsplit(s3["S3_ENDPOINT"])
            body = {
                "entityType": "source",
                "name": lake.source,
                "type": "S3",
                "config": {
                    "credentialType": "ACCESS_KEY",
                    "accessKey": s3["AWS_ACCESS_KEY_ID"],
                    "accessSecret": s3["AWS_SECRET_ACCESS_KEY"],
                    "secure": endpoint.scheme == "https",
                    "compatibilityMode": not (endpoint.hostname or "").endswith(".amazonaws.com"),
                    "rootPath": "/",
                    "defaultCtasFormat": "PARQUET",
                    "whitelistedBuckets": [lake.bronze, lake.silver, lake.gold],
                    "propertyList": [
                        {"name": "fs.s3a.endpoint", "value": endpoint.netloc},
                        {"name": "fs.s3a.path.style.access", "value": "true"},
                    ],
                },
            }
            self._create(body, f"source {lake.source}")
            created.append(f"source {lake.source}")
        if self.find([lake.space]) is None:
            self._create({"entityType": "space", "name": lake.space}, f"space {lake.space}")
            created.append(f"space {lake.space}")
        return created

    def refresh_reflections(self, table: list[str]) -> bool:
        """Refresh every reflection that depends on a table; False when the table is not in the catalog."""
        entity = self.find(table)
        if entity is None:
            return False
        response = self.request("POST", f"/api/v3/catalog/{entity['id']}/refresh")
        if response.status_code not in (200, 204):
            raise DremioError(f"refreshing the reflections on {'.'.join(table)} answered {response.status_code}")
        return True

    def query(self, sql: str, *, max_rows: int = 5000, timeout_seconds: float = 60) -> list[dict]:
        """Run one SQL statement and return up to `max_rows` of its rows (Dremio pages results by 500)."""
        response = self.request("POST", "/api/v3/sql", {"sql": sql})
        if response.status_code != 200:
            raise DremioError(f"submitting a query answered {response.status_code}: {response.text[:300]}")
        job_id = response.json()["id"]
        deadline = time.monotonic() + timeout_seconds
        while True:
            job = self.request("GET", f"/api/v3/job/{job_id}").json()
            if job["jobState"] == "COMPLETED":
                break
            if job["jobState"] in ("FAILED", "CANCELED"):
                raise DremioError(f"query job {job_id} ended {job['jobState']}: {job.get('errorMessage') or job.get('cancellationReason')}")
            if time.monotonic() > deadline:
                raise DremioError(f"query job {job_id} was still {job['jobState']} after {timeout_seconds:g} s")
            time.sleep(0.2)
        rows: list[dict] = []
        while len(rows) < max_rows:
            page = self.request("GET", f"/api/v3/job/{job_id}/results?offset={len(rows)}&limit=500")
            if page.status_code != 200:
                raise DremioError(f"reading the results of query job {job_id} answered {page.status_code}")
            batch = page.json().get("rows", [])
            rows.extend(batch)
            if len(batch) < 500:
                break
        return rows[:max_rows]

    def _create(self, body: dict, what: str) -> None:
        response = self.request("POST", "/api/v3/catalog", body)
        # 409: another run created it in the meantime, which is what was wanted.
        if response.status_code not in (200, 409):
            raise DremioError(f"creating the {what} answered {response.status_code}: {response.text[:300]}")
