"""SupersetDatabase: a database connection in Superset (for the platform, Dremio over Arrow Flight).

Following Superset's database API (docs/providers/superset-api.md, "Databases"):

* The id is Superset's numeric id; the outputs also carry the connection's `uuid`, and read checks it,
  so an id that Superset reused for another connection (SQLite metadata reuses ids) reads as gone.
* Superset connects to the target database on create and on update: an unreachable database or wrong
  credentials fail the step with Superset's own message.
* Superset masks the password in what it returns (`XXXXXXXXXX`). Read compares the URI with the password
  masked on both sides, so a refresh reports drift only in what Superset shows (driver, user, host, port,
  database, query); update sends the URI only when the program's URI changed, and Superset keeps the
  stored password otherwise. A password changed outside Pulumi cannot be seen: rotate it here.
* `extra` is Superset's JSON document of engine options, compared parsed.
* Renaming (`database_name`) is an in-place update; delete refuses while datasets use the connection
  (Superset's rule), so Pulumi deletes the datasets it manages first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi.dynamic
from pydantic import Field, StrictBool, field_validator

from components.providers.base.contract import ContractResource
from components.providers.base.http import ApiError
from components.providers.base.service import ServiceInputs, create_once
from components.providers.superset.client import SupersetClient, mask_password
from components.providers.superset.provider import SupersetProvider

OUTPUT_KEYS = ("database_id", "uuid")
DIALECTS = {
    # SQLAlchemy dialects with a Superset engine spec, by URI scheme (before any +driver).
    "awsathena", "bigquery", "clickhouse", "clickhousedb", "crate", "databricks", "db2", "doris", "dremio", "drill",
    "druid", "duckdb", "elasticsearch", "exa", "firebolt", "gsheets", "hana", "hive", "ibm_db_sa", "impala",
    "kusto", "kylin", "mariadb", "mssql", "mysql", "netezza", "ocient", "oracle", "pinot", "postgres",
    "postgresql", "presto", "redshift", "rockset", "snowflake", "starrocks", "teradatasql", "trino", "vertica",
}  # fmt: skip
URI = re.compile(r"(?P<dialect>[a-z][a-z0-9_]*)(\+(?P<driver>[a-z0-9_]+))?://(?P<rest>.+)")


class DatabaseInputs(ServiceInputs):
    database_name: Annotated[str, Field(min_length=1, max_length=250)]
    sqlalchemy_uri: str
    expose_in_sqllab: StrictBool = True
    allow_run_async: StrictBool = False
    allow_dml: StrictBool = False
    cache_timeout: Annotated[int, Field(ge=0)] | None = None
    extra: dict[str, Any] = {}

    @field_validator("database_name")
    @classmethod
    def _name(cls, name: str) -> str:
        if name != name.strip():
            raise ValueError("no leading or trailing spaces")
        return name

    @field_validator("sqlalchemy_uri")
    @classmethod
    def _uri(cls, uri: str) -> str:
        # The message never repeats the URI: it holds the password.
        match = URI.fullmatch(uri)
        if not match:
            raise ValueError("not a SQLAlchemy URI; use dialect[+driver]://user:password@host:port/database")
        dialect, driver = match["dialect"], match["driver"]
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; Superset speaks e.g. postgresql, trino, dremio+flight")
        if dialect == "dremio" and driver != "flight":
            raise ValueError("Dremio is reached over Arrow Flight: use dremio+flight://user:password@host:32010/...")
        return uri


class SupersetDatabaseProvider(SupersetProvider):
    kind = resource = "database"
    inputs_model = DatabaseInputs
    output_keys = OUTPUT_KEYS

    def describe(self, inputs: DatabaseInputs) -> str:
        return repr(inputs.database_name)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        existing = _find(client, inputs.database_name)
        if existing and not inputs.adopt:
            raise self.exists(inputs)
        if existing:
            outputs = self.apply(
                client, str(existing["id"]), inputs, {"database_id": existing["id"], "uuid": existing["uuid"]}
            )
            return pulumi.dynamic.CreateResult(str(existing["id"]), outputs)
        created = create_once(
            client,
            "/api/v1/database/",
            {**_body(inputs, inputs.sqlalchemy_uri), "configuration_method": "sqlalchemy_form"},
            lambda: _find(client, inputs.database_name),
            lambda: self.exists(inputs),
            conflict=lambda error: error.status == 422 and "already exists" in error.server_message,
        )
        uuid = (created.get("result") or created).get("uuid")
        return pulumi.dynamic.CreateResult(
            str(created["id"]), {**inputs.dump(), "database_id": created["id"], "uuid": uuid}
        )

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        found = self.client(stored, "read").request("GET", f"/api/v1/database/{int(id_)}/connection", allow=(404,))
        if isinstance(found, tuple) or found["result"].get("uuid") != props.get("uuid"):
            return pulumi.dynamic.ReadResult(None, {})
        server = found["result"]
        shown = server.get("sqlalchemy_uri", "")
        outs = {
            **stored.dump(),
            "database_name": server["database_name"],
            # Equal with the password masked on both sides: Superset still holds ours.
            "sqlalchemy_uri": stored.sqlalchemy_uri if shown == mask_password(stored.sqlalchemy_uri) else shown,
            "expose_in_sqllab": server.get("expose_in_sqllab"),
            "allow_run_async": server.get("allow_run_async"),
            "allow_dml": server.get("allow_dml"),
            "cache_timeout": server.get("cache_timeout"),
            "extra": json.loads(server.get("extra") or "{}"),
            "database_id": server["id"],
            "uuid": server["uuid"],
        }
        return pulumi.dynamic.ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in OUTPUT_KEYS})

    def apply(self, client: SupersetClient, id_: str, inputs: DatabaseInputs, olds: dict[str, Any]) -> dict[str, Any]:
        # The URI only when it changed: a masked or absent URI keeps the stored password.
        uri = inputs.sqlalchemy_uri if olds.get("sqlalchemy_uri") != inputs.sqlalchemy_uri else None
        self.ours_to_update(client, id_, olds)
        client.request("PUT", f"/api/v1/database/{int(id_)}", _body(inputs, uri))
        return self.outputs(inputs, olds)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            super().delete(id_, props)
        except ApiError as error:
            if error.status == 422:
                raise ApiError(
                    f"{error}. Delete the datasets that use it first (Pulumi does so for the ones it manages)", 422
                ) from None
            raise


def _find(client: SupersetClient, name: str) -> dict[str, Any] | None:
    found = client.find("database", [("database_name", "eq", name)], columns=("id", "uuid", "database_name"))
    return found[0] if found else None


def _body(inputs: DatabaseInputs, uri: str | None) -> dict[str, Any]:
    body = {
        "database_name": inputs.database_name,
        "expose_in_sqllab": inputs.expose_in_sqllab,
        "allow_run_async": inputs.allow_run_async,
        "allow_dml": inputs.allow_dml,
        "cache_timeout": inputs.cache_timeout,
        "extra": json.dumps(inputs.extra, sort_keys=True),
    }
    return {**body, "sqlalchemy_uri": uri} if uri is not None else body


@dataclass(frozen=True, kw_only=True)
class SupersetDatabaseArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, username, password}` of a Superset administrator; kept secret."""
    database_name: pulumi.Input[str]
    """The name shown in Superset; renaming is an in-place update."""
    sqlalchemy_uri: pulumi.Input[str]
    """e.g. `dremio+flight://user:password@dremio.dp-processing.svc.cluster.local:32010/dremio?UseEncryption=true&TrustedCerts=/etc/platform-ca/ca.crt`; kept secret."""
    expose_in_sqllab: pulumi.Input[bool] = True
    allow_run_async: pulumi.Input[bool] = False
    allow_dml: pulumi.Input[bool] = False
    cache_timeout: pulumi.Input[int] | None = None
    """Seconds; None uses Superset's default."""
    extra: pulumi.Input[dict[str, Any]] = field(default_factory=dict)
    """Superset's engine options (the "extra" JSON document)."""
    adopt: pulumi.Input[bool] = False


class SupersetDatabase(ContractResource, module="superset", name="Database"):
    """Declare with `SupersetDatabase(resource_name, SupersetDatabaseArgs(...), opts)`."""

    provider_class = SupersetDatabaseProvider
    secret_inputs = ("connection", "sqlalchemy_uri")

    database_name: pulumi.Output[str]
    database_id: pulumi.Output[int]
    uuid: pulumi.Output[str]
    connection: pulumi.Output[dict[str, Any]]
