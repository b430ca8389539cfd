"""Inputs and helpers shared by the tests of this folder."""

from __future__ import annotations

import secrets
from typing import Any

import prison
import requests

from components.providers.superset import database as superset_database
from components.providers.superset import dataset as superset_dataset
from components.providers.superset.role import BUILTIN_ROLES
from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer
from tests.support.provider_protocol import InProcess, ProviderProcess, create
from tests.support.superset_server import ADMIN, SupersetServer

JWT_SECONDS = 10
"""Short-lived access tokens, so that renewal happens for real within the suite."""
APP_PASSWORD = secrets.token_urlsafe(12)
Driver = InProcess | ProviderProcess
DATA = """
CREATE TABLE public.orders (order_id int PRIMARY KEY, customer_id int, amount numeric(10,2), order_date date, region text);
INSERT INTO public.orders SELECT g, g % 10, g * 1.5, date '2024-01-01' + g, (ARRAY['north','south'])[1 + g % 2]
  FROM generate_series(1, 100) g;
CREATE TABLE public.customers (customer_id int PRIMARY KEY, name text, country text);
CREATE TABLE public.payments (payment_id int, order_id int, paid numeric(10,2), paid_at timestamp);
CREATE TABLE public.refunds (refund_id int, order_id int, refunded numeric(10,2));
CREATE TABLE public.shipments (shipment_id int, order_id int, shipped_at timestamp);
CREATE TABLE public.returns (return_id int, order_id int, reason text);
CREATE SCHEMA sales;
CREATE TABLE sales.regions (region text, manager text);
GRANT USAGE ON SCHEMA sales TO app;
GRANT SELECT ON ALL TABLES IN SCHEMA public, sales TO app;
"""


GAMMA: list = [set(), []]
"""The built-in Gamma role's permissions and their ids, as the test server starts with them."""


class Outsider:
    """Another Superset client (a colleague in the UI): makes the outside changes a refresh must notice."""

    def __init__(self, superset: SupersetServer):
        self.url = superset.url
        self.session = requests.Session()
        self.login()

    def login(self) -> None:
        token = self.session.post(
            f"{self.url}/api/v1/security/login", json={**ADMIN, "provider": "db"}, timeout=10
        ).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        csrf = self.session.get(f"{self.url}/api/v1/security/csrf_token/", timeout=10).json()["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.url})

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        answer = self.session.request(method, self.url + path, json=body, params=params or None, timeout=30)
        if answer.status_code == 401:
            self.login()
            answer = self.session.request(method, self.url + path, json=body, params=params or None, timeout=30)
        assert answer.ok, (answer.status_code, answer.text[:500])
        return answer.json() if answer.content else None

    def all(self, resource: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/api/v1/{resource}/", q=prison.dumps({"page": 0, "page_size": 100}))["result"]

    def empty(self) -> None:
        for dataset in self.all("dataset"):
            self.call("DELETE", f"/api/v1/dataset/{dataset['id']}")
        for database in self.all("database"):
            self.call("DELETE", f"/api/v1/database/{database['id']}")
        for role in self.all("security/roles"):
            if role["name"] not in BUILTIN_ROLES:
                self.call("DELETE", f"/api/v1/security/roles/{role['id']}")
        # The built-in Gamma is changed by some tests: give it back its permissions.
        gamma = next(role for role in self.all("security/roles") if role["name"] == "Gamma")
        if self.permissions_of(gamma["id"]) != GAMMA[0]:
            self.call("POST", f"/api/v1/security/roles/{gamma['id']}/permissions", {"permission_view_menu_ids": GAMMA[1]})

    def role_id(self, name: str) -> int:
        return next(role["id"] for role in self.all("security/roles") if role["name"] == name)

    def permissions_of(self, role_id: int) -> set[tuple[str, str]]:
        listed = self.call("GET", f"/api/v1/security/roles/{role_id}/permissions/")["result"]
        return {(item["permission_name"], item["view_menu_name"]) for item in listed}

    def pair_ids(self) -> dict[tuple[str, str], int]:
        ids, page = {}, 0
        while True:
            answer = self.call("GET", "/api/v1/security/permissions-resources/", q=prison.dumps({"page": page, "page_size": 100}))
            ids.update({(i["permission"]["name"], i["view_menu"]["name"]): i["id"] for i in answer["result"]})
            if len(ids) >= answer["count"] or not answer["result"]:
                return ids
            page += 1

    def remember_gamma(self) -> None:
        gamma = self.role_id("Gamma")
        pairs = self.permissions_of(gamma)
        ids = self.pair_ids()
        GAMMA[:] = [pairs, sorted(ids[pair] for pair in pairs)]


# --- inputs ------------------------------------------------------------------------------------------------------


def connection(proxy: FaultProxy, password: str = ADMIN["password"]) -> dict[str, str]:
    return {"url": proxy.endpoint, "username": ADMIN["username"], "password": password}


def shop_uri(data: PostgresServer, user: str = "app", password: str = APP_PASSWORD) -> str:
    return f"postgresql://{user}:{password}@127.0.0.1:{data.port}/shop"


def database(proxy: FaultProxy, data: PostgresServer, **overrides: Any) -> dict[str, Any]:
    return {
        "connection": connection(proxy),
        "database_name": "shop",
        "sqlalchemy_uri": shop_uri(data),
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_dml": False,
        "cache_timeout": None,
        "extra": {"allows_virtual_table_explore": True},
        **overrides,
    }


def dataset(proxy: FaultProxy, table: str = "orders", **overrides: Any) -> dict[str, Any]:
    return {
        "connection": connection(proxy),
        "database_name": "shop",
        "schema": "public",
        "table_name": table,
        "description": "Orders fact table",
        "cache_timeout": 600,
        "metrics": [
            {"metric_name": "revenue", "expression": "SUM(amount)", "verbose_name": "Revenue", "d3format": ",.2f"},
            {"metric_name": "orders", "expression": "COUNT(DISTINCT order_id)"},
        ],
        "columns": [
            {"column_name": "order_date", "is_dttm": True, "verbose_name": "Order date"},
            {"column_name": "region", "groupby": True, "description": "Sales region"},
        ],
        **overrides,
    }




def keys_of(module: Any) -> tuple[str, ...]:
    provider = {superset_database: superset_database.SupersetDatabaseProvider, superset_dataset: superset_dataset.SupersetDatasetProvider}
    return provider[module].inputs_model.keys()


def differing(module: Any, left: dict[str, Any], right: dict[str, Any]) -> set[str]:
    return {key for key in keys_of(module) if left.get(key) != right.get(key)}


def with_database(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, **overrides: Any
) -> tuple[str, dict[str, Any]]:
    return create(providers["database"], database(proxy, data, **overrides))


