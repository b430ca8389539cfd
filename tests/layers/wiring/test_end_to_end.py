"""End to end: everything the platform and `lakehouse/semantic.py` declare after deploying (the wiring's plan, the
same items `pulumi up` declares), driven through the real provider processes over gRPC, in one run, against a
real S3 server (SeaweedFS), the fake Dremio, a real Superset 6.1.0 (its lakehouse database on a real
PostgreSQL) and the fake Airbyte:

1. create everything;
2. a second `pulumi up` (check and diff of every object) sends no request at all, and a refresh (read of
   every object) writes nothing and finds no difference;
3. one object per service is changed out of band: the refresh reports exactly those;
4. they are repaired;
5. a last refresh is clean.

The request counts of each phase are printed (`-s`) for the closing note, and bounded by the assertions.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from components.layers.presentation.roles import ROLES
from components.layers.wiring.plan import Handover, Item, Ref, plan
from lakehouse.semantic import SEMANTIC
from tests.support.fake_airbyte import FakeAirbyte
from tests.support.fake_dremio import FakeDremio
from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer
from tests.support.provider_protocol import ProviderProcess
from tests.support.s3_server import ADMIN as S3_ADMIN
from tests.support.s3_server import WeedServer
from tests.support.stacks import shipped_settings
from tests.support.superset_server import ADMIN as SUPERSET_ADMIN
from tests.support.superset_server import SupersetServer

DREMIO_ADMIN = ("platform_admin", "Platform-admin-1")
ANALYST_PASSWORD = "analyst-password-1"
BUCKETS = {name: f"e2e-{name}" for name in ("bronze", "silver", "gold", "logs", "backups", "dremio")}
MART_COLUMNS = (
    ("customer_id", "BIGINT", "bigint"), ("first_name", "VARCHAR", "text"), ("last_name", "VARCHAR", "text"),
    ("total_orders", "BIGINT", "bigint"), ("lifetime_value", "DECIMAL", "numeric(12,2)"),
    ("average_order_value", "DECIMAL", "numeric(12,2)"), ("first_order_date", "DATE", "date"),
    ("last_order_date", "DATE", "date"), ("lifespan_days", "BIGINT", "bigint"),
)


@dataclasses.dataclass
class Platform:
    s3: FaultProxy
    weed: WeedServer
    dremio: FakeDremio
    superset: FaultProxy
    superset_url: str
    airbyte: FakeAirbyte
    data: PostgresServer

    def counts(self) -> dict[str, list[tuple[str, str]]]:
        return {"s3": list(self.s3.requests), "dremio": list(self.dremio.requests), "superset": list(self.superset.requests),
                "airbyte": list(self.airbyte.requests)}

    def reset(self) -> None:
        self.s3.reset_counts()
        self.dremio.requests.clear()
        self.superset.reset_counts()
        self.airbyte.requests.clear()


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    with contextlib.ExitStack() as stack:
        weed = WeedServer()
        weed.start()
        stack.callback(weed.cleanup)
        s3 = FaultProxy("127.0.0.1", int(weed.endpoint.rsplit(":", 1)[1])).start()
        stack.callback(s3.stop)
        dremio = FakeDremio().start()
        stack.callback(dremio.stop)
        data = PostgresServer().start()
        stack.callback(data.stop)
        data.sql(f"CREATE ROLE analyst LOGIN PASSWORD '{ANALYST_PASSWORD}'")
        data.sql("CREATE DATABASE lakehouse OWNER analyst")
        superset = SupersetServer().start()
        stack.callback(superset.stop)
        proxy = FaultProxy("127.0.0.1", superset.port).start()
        stack.callback(proxy.stop)
        airbyte = FakeAirbyte().start()
        stack.callback(airbyte.stop)
        yield Platform(s3=s3, weed=weed, dremio=dremio, superset=proxy, superset_url=superset.url, airbyte=airbyte, data=data)


def the_plan(platform: Platform) -> list[Item]:
    settings = shipped_settings("dev", object_storage={"backend": "seaweedfs"})
    handover = Handover(
        buckets=BUCKETS,
        s3_endpoint="http://object-storage.dp-storage.svc.cluster.local:9000",
        s3_region="us-east-1",
        dremio_s3=("dremio-key", "dremio-secret-1"),
        airbyte_s3=("airbyte-key", "airbyte-secret-1"),
        elasticsearch_host="elasticsearch-es-http.dp-storage.svc.cluster.local",
        elasticsearch_port=9200,
        elasticsearch_password="es-dremio-password-1",
        postgresql_host="postgresql-rw.dp-storage.svc.cluster.local",
        analytics_reader=("analytics_reader", "analytics-reader-password-1"),
        # The lakehouse database stands on PostgreSQL here: Superset reads the mart's columns from it.
        dremio_uri=f"postgresql://analyst:{ANALYST_PASSWORD}@127.0.0.1:{platform.data.port}/lakehouse",
        roles={role.name: role.as_input() for role in ROLES},
        lake_source="lake",
        space="lakehouse",
    )
    return plan(settings, SEMANTIC, handover)


def connections(platform: Platform) -> dict[str, dict[str, Any]]:
    return {
        "s3": {"endpoint": platform.s3.endpoint, "access_key": S3_ADMIN.access_key, "secret_key": S3_ADMIN.secret_key,
               "region": "us-east-1"},
        "dremio": {"url": platform.dremio.url, "username": DREMIO_ADMIN[0], "password": DREMIO_ADMIN[1]},
        "superset": {"url": platform.superset.endpoint, **SUPERSET_ADMIN},
        "airbyte": dict(platform.airbyte.connection),
    }


def build_the_marts(platform: Platform) -> None:
    """What the deploy-time dbt build leaves behind: the mart's table and its view in Dremio, and (standing in for
    Dremio behind Superset) the same columns in PostgreSQL."""
    token = requests.post(f"{platform.dremio.url}/apiv2/login", json={"userName": DREMIO_ADMIN[0], "password": DREMIO_ADMIN[1]},
                          timeout=5).json()["token"]
    headers = {"Authorization": f"_dremio{token}"}
    table = ["lake", BUCKETS["gold"], "marts", "fct_customer_lifetime_value"]
    platform.dremio.seed_s3_folder(table, [(name, kind) for name, kind, _ in MART_COLUMNS])
    for body, url in (
        ({"entityType": "dataset", "type": "PHYSICAL_DATASET", "path": table, "format": {"type": "Parquet"}},
         f"/api/v3/catalog/dremio:%2F{'%2F'.join(table)}"),
        ({"entityType": "folder", "path": ["lakehouse", "marts"]}, "/api/v3/catalog"),
        ({"entityType": "dataset", "type": "VIRTUAL_DATASET", "path": ["lakehouse", "marts", "fct_customer_lifetime_value"],
          "sql": f'SELECT * FROM lake."{BUCKETS["gold"]}".marts.fct_customer_lifetime_value'}, "/api/v3/catalog"),
    ):
        answer = requests.post(platform.dremio.url + url, json=body, headers=headers, timeout=5)
        assert answer.ok, answer.text
    columns = ", ".join(f"{name} {kind}" for name, _, kind in MART_COLUMNS)
    platform.data.sql(
        f'CREATE SCHEMA "lakehouse.marts" AUTHORIZATION analyst; '
        f'CREATE TABLE "lakehouse.marts".fct_customer_lifetime_value ({columns}); '
        f'ALTER TABLE "lakehouse.marts".fct_customer_lifetime_value OWNER TO analyst',
        database="lakehouse",
    )


def props(item: Item, connection: dict[str, Any], created: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The properties the resource sends, as `ContractResource` builds them from its Args."""
    inputs = {k: created[v.item][1][v.output] if isinstance(v, Ref) else v for k, v in item.inputs.items()}
    args = item.args(connection=connection, **inputs)
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(args)}
    values.update({key: None for key in item.resource.provider_class.output_keys})
    return values


LOGINS = {"/apiv2/login", "/api/v1/security/login", "/api/public/v1/applications/token", "/applications/token"}


def changing(requests_made: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The requests that change something (a login POST does not)."""
    return [(method, path) for method, path in requests_made if method not in ("GET", "HEAD") and path.split("?")[0] not in LOGINS]


def writes(requests_made: list[tuple[str, str]]) -> int:
    return len(changing(requests_made))


def test_create_noop_refresh_drift_and_repair(platform: Platform, capsys: pytest.CaptureFixture[str]) -> None:
    items = the_plan(platform)
    conns = connections(platform)
    tally: dict[str, dict[str, int]] = {}
    with contextlib.ExitStack() as stack:
        drivers = {
            cls: stack.enter_context(ProviderProcess(cls.provider_class(), f"pulumi-python:dynamic/{cls.__module__.split('.')[-2]}:{cls.__name__}"))
            for cls in {item.resource for item in items}
        }

        # 1. create, in the plan's order; the dbt build runs when the first object on its models is due.
        created: dict[str, tuple[str, dict[str, Any]]] = {}
        checked: dict[str, dict[str, Any]] = {}
        built = False
        for item in items:
            if "dbt" in item.gates and not built:
                counts = platform.counts()
                build_the_marts(platform)
                platform.dremio.requests[:] = counts["dremio"]
                built = True
            news, failures = drivers[item.resource].check(props(item, conns[item.service], created))
            assert not failures, (item.name, failures)
            checked[item.name] = news
            created[item.name] = drivers[item.resource].create(news)
        tally["create"] = {service: len(made) for service, made in platform.counts().items()}

        # 2a. a second `pulumi up` with the same inputs: check and diff only, which ask no server anything.
        platform.reset()
        for item in items:
            news, _ = drivers[item.resource].check(props(item, conns[item.service], created), created[item.name][1])
            assert not drivers[item.resource].diff(created[item.name][0], created[item.name][1], news).changes, item.name
        assert platform.counts() == {"s3": [], "dremio": [], "superset": [], "airbyte": []}
        tally["no-op up"] = {service: 0 for service in conns}

        # 2b. the nightly refresh on an untouched platform: reads only, no difference.
        def refresh() -> dict[str, list[str]]:
            drifted: dict[str, list[str]] = {}
            for item in items:
                object_id, outs = created[item.name]
                read = drivers[item.resource].read(object_id, outs)
                assert read.id == object_id, f"{item.name}: gone"
                diff = drivers[item.resource].diff(object_id, read.outs, checked[item.name])
                if diff.changes:
                    drifted.setdefault(item.service, []).append(item.name)
                created[item.name] = (object_id, read.outs)
            return drifted

        platform.reset()
        assert refresh() == {}
        made = platform.counts()
        assert {service: changing(calls) for service, calls in made.items()} == {service: [] for service in made}
        tally["refresh"] = {service: len(calls) for service, calls in made.items()}

        # 3. one change per service, made by someone else.
        platform.weed.client().put_bucket_versioning(Bucket=BUCKETS["bronze"], VersioningConfiguration={"Status": "Suspended"})
        reflection_id = created["reflection-customer_ltv_raw"][0]
        token = requests.post(f"{platform.dremio.url}/apiv2/login", json={"userName": DREMIO_ADMIN[0], "password": DREMIO_ADMIN[1]},
                              timeout=5).json()["token"]
        dremio_headers = {"Authorization": f"_dremio{token}"}
        reflection = requests.get(f"{platform.dremio.url}/api/v3/reflection/{reflection_id}", headers=dremio_headers, timeout=5).json()
        reflection["enabled"] = False
        assert requests.put(f"{platform.dremio.url}/api/v3/reflection/{reflection_id}", json=reflection, headers=dremio_headers, timeout=5).ok
        dataset_id = created["dataset-fct-customer-lifetime-value"][1]["dataset_id"]
        session = requests.Session()
        access = session.post(f"{platform.superset_url}/api/v1/security/login", json={**SUPERSET_ADMIN, "provider": "db"}, timeout=30).json()
        session.headers["Authorization"] = f"Bearer {access['access_token']}"
        csrf = session.get(f"{platform.superset_url}/api/v1/security/csrf_token/", timeout=30).json()["result"]
        answer = session.put(f"{platform.superset_url}/api/v1/dataset/{dataset_id}", json={"description": "edited by hand"},
                             headers={"X-CSRFToken": csrf, "Referer": platform.superset_url}, timeout=30)
        assert answer.ok, answer.text
        destination_id = created["airbyte-bronze"][1]["destination_id"]
        airbyte_token = requests.post(f"{platform.airbyte.url}/applications/token", json={
            "client_id": platform.airbyte.client_id, "client_secret": platform.airbyte.client_secret, "grant_type": "client_credentials"},
            timeout=5).json()["access_token"]
        assert requests.patch(f"{platform.airbyte.url}/destinations/{destination_id}", json={"name": "renamed by hand"},
                              headers={"Authorization": f"Bearer {airbyte_token}"}, timeout=5).ok
        platform.reset()
        drifted = refresh()
        assert drifted == {
            "s3": ["bucket-seaweedfs-bronze"],
            "dremio": ["reflection-customer_ltv_raw"],
            "superset": ["dataset-fct-customer-lifetime-value"],
            "airbyte": ["airbyte-bronze"],
        }
        made = platform.counts()
        assert {service: changing(calls) for service, calls in made.items()} == {service: [] for service in made}
        tally["drift refresh"] = {service: len(calls) for service, calls in made.items()}

        # 4. repair exactly those.
        platform.reset()
        for names in drifted.values():
            for name in names:
                item = next(i for i in items if i.name == name)
                object_id, outs = created[name]
                created[name] = (object_id, drivers[item.resource].update(object_id, outs, checked[name]))
        made = platform.counts()
        tally["repair"] = {service: len(calls) for service, calls in made.items()}
        tally["repair writes"] = {service: writes(calls) for service, calls in made.items()}
        assert all(1 <= tally["repair writes"][service] <= 2 for service in drifted), tally["repair writes"]

        # 5. clean again.
        platform.reset()
        assert refresh() == {}

    with capsys.disabled():
        print(f"\nend-to-end requests per phase ({len(items)} objects): {tally}")
