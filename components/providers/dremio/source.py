"""DremioSource: an S3 (MinIO, SeaweedFS, AWS), PostgreSQL or Elasticsearch source in Dremio's catalog.

Following Dremio's catalog contract for sources (docs/providers/dremio-api.md, "Catalog"):

* `config` uses Dremio's own field names; check knows every field per type and refuses unknown ones
  (Dremio would answer 400) and missing required ones, before any request.
* `metadata_policy` (Dremio's seven keys) and `acceleration` are always sent complete, with Dremio's
  documented defaults filled in, because a PUT resets what it omits; drift away from the defaults is
  therefore detected too.
* Secrets (`accessSecret`, `password`, `secretResourceUrl`) come back masked as
  `$DREMIO_EXISTING_VALUE$`: read keeps the stored value, and update sends the placeholder unless the
  program's value changed.
* Changing a metadata-impacting field of an S3 source (anything but the caching and performance
  settings) makes Dremio drop every promoted dataset and reflection under the source. Check refuses such
  a change unless `allow_metadata_reset=True` (the Python dynamic provider SDK cannot attach a warning to
  a diff, so the preview stops instead).
* `name` and `type` force a replacement; a new type with the same name deletes the old source first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from components.providers.base.contract import ContractResource
from components.providers.base.service import ServiceInputs
from components.providers.dremio.client import EXISTING_SECRET, DremioClient
from components.providers.dremio.provider import DremioProvider, current_entity, with_fresh_tag

SourceType = Literal["S3", "POSTGRES", "ELASTIC"]

# Dremio's config fields per source type: name → accepted Python types.
_STR, _BOOL, _INT, _LIST = (str,), (bool,), (int,), (list,)
CONFIG_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "S3": {
        "credentialType": _STR,
        "accessKey": _STR,
        "accessSecret": _STR,
        "secure": _BOOL,
        "externalBucketList": _LIST,
        "propertyList": _LIST,
        "rootPath": _STR,
        "enableAsync": _BOOL,
        "compatibilityMode": _BOOL,
        "isCachingEnabled": _BOOL,
        "maxCacheSpacePct": _INT,
        "whitelistedBuckets": _LIST,
        "assumedRoleARN": _STR,
        "kmsKeyARN": _STR,
        "awsProfile": _STR,
        "requesterPays": _BOOL,
        "enableFileStatusCheck": _BOOL,
        "defaultCtasFormat": _STR,
        "isPartitionInferenceEnabled": _BOOL,
    },
    "POSTGRES": {
        "hostname": _STR,
        "port": _STR,
        "databaseName": _STR,
        "username": _STR,
        "password": _STR,
        "authenticationType": _STR,
        "secretResourceUrl": _STR,
        "fetchSize": _INT,
        "useSsl": _BOOL,
        "encryptionValidationMode": _STR,
        "maxIdleConns": _INT,
        "idleTimeSec": _INT,
        "queryTimeoutSec": _INT,
        "propertyList": _LIST,
    },
    "ELASTIC": {
        "hostList": _LIST,
        "authenticationType": _STR,
        "username": _STR,
        "password": _STR,
        "sslEnabled": _BOOL,
        "useWhitelist": _BOOL,
        "scriptsEnabled": _BOOL,
        "showHiddenIndices": _BOOL,
        "showIdColumn": _BOOL,
        "readTimeoutMillis": _INT,
        "scrollTimeoutMillis": _INT,
        "usePainless": _BOOL,
        "scrollSize": _INT,
        "allowPushdownOnNormalizedOrAnalyzedFields": _BOOL,
        "pushdownWithKeyword": _BOOL,
        "warnOnRowCountMismatch": _BOOL,
        "encryptionValidationMode": _STR,
        "forceDoublePrecision": _BOOL,
    },
}
CONFIG_ENUMS = {
    "credentialType": {"ACCESS_KEY", "EC2_METADATA", "NONE", "AWS_PROFILE"},
    "defaultCtasFormat": {"ICEBERG", "PARQUET"},
    "encryptionValidationMode": {"CERTIFICATE_AND_HOSTNAME_VALIDATION", "CERTIFICATE_ONLY_VALIDATION", "NO_VALIDATION"},
}
AUTHENTICATION_TYPES = {
    "POSTGRES": {"ANONYMOUS", "MASTER", "USER", "KERBEROS", "AWS_PROFILE", "SECRET"},
    "ELASTIC": {"ANONYMOUS", "MASTER"},
}
SECRET_FIELDS = {"S3": {"accessSecret"}, "POSTGRES": {"password", "secretResourceUrl"}, "ELASTIC": {"password"}}
S3_NOT_METADATA_IMPACTING = {
    "secure",
    "enableAsync",
    "isCachingEnabled",
    "maxCacheSpacePct",
    "kmsKeyARN",
    "enableFileStatusCheck",
    "defaultCtasFormat",
    "isPartitionInferenceEnabled",
}
MIN_PERIOD_MS = 60000


class MetadataPolicy(BaseModel):
    """Dremio's metadata policy, with its field names and documented defaults."""

    model_config = ConfigDict(extra="forbid")

    authTTLMs: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 86400000
    namesRefreshMs: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 3600000
    datasetRefreshAfterMs: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 3600000
    datasetExpireAfterMs: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 10800000
    datasetUpdateMode: Literal["PREFETCH", "PREFETCH_QUERIED", "INLINE"] = "PREFETCH_QUERIED"
    deleteUnavailableDatasets: StrictBool = True
    autoPromoteDatasets: StrictBool = False


class Acceleration(BaseModel):
    """The source's default reflection refresh policy (Dremio's defaults: refresh hourly, expire after 3 h)."""

    model_config = ConfigDict(extra="forbid")

    refresh_period_ms: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 3600000
    grace_period_ms: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 10800000
    never_expire: StrictBool = False
    never_refresh: StrictBool = False


class SourceInputs(ServiceInputs):
    flags: ClassVar[frozenset[str]] = ServiceInputs.flags | {"allow_metadata_reset"}

    name: str
    type: SourceType
    config: dict[str, Any]
    metadata_policy: MetadataPolicy = MetadataPolicy()
    acceleration: Acceleration = Acceleration()
    allow_metadata_reset: StrictBool = False

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not name or not re.fullmatch(r'[^."@]+', name):
            raise ValueError("a source name may not be empty or contain periods, double quotes or @")
        if name.lower() == "tmp":
            raise ValueError("'tmp' is reserved by Dremio")
        return name

    @field_validator("config")
    @classmethod
    def _config_fits_type(cls, config: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        source_type = info.data.get("type")
        return validated_config(source_type, config) if source_type else config


def validated_config(source_type: str, config: dict[str, Any]) -> dict[str, Any]:
    """Dremio's config for a source type, checked field by field; raises ValueError naming the field."""
    fields = CONFIG_FIELDS[source_type]
    normalised = _whole_numbers(config)
    if (
        source_type == "POSTGRES"
        and isinstance(normalised.get("port"), int)
        and not isinstance(normalised["port"], bool)
    ):
        normalised["port"] = str(normalised["port"])  # Dremio's PostgreSQL port is a string
    for name, value in normalised.items():
        if name not in fields:
            raise ValueError(f"config.{name}: not a {source_type} source field (known: {', '.join(sorted(fields))})")
        if not isinstance(value, fields[name]) or (fields[name] == _INT and isinstance(value, bool)):
            raise ValueError(f"config.{name}: expected {fields[name][0].__name__}, got {type(value).__name__}")
        if name in CONFIG_ENUMS and value not in CONFIG_ENUMS[name]:
            raise ValueError(f"config.{name}: one of {', '.join(sorted(CONFIG_ENUMS[name]))}")
        if name == "authenticationType" and value not in AUTHENTICATION_TYPES[source_type]:
            raise ValueError(
                f"config.authenticationType: one of {', '.join(sorted(AUTHENTICATION_TYPES[source_type]))}"
            )
        if name == "propertyList" and not all(
            isinstance(item, dict)
            and set(item) == {"name", "value"}
            and all(isinstance(v, str) and v.strip() for v in item.values())
            for item in value
        ):
            raise ValueError("config.propertyList: items are {name, value}, both non-empty strings")
    if source_type == "S3":
        if normalised.get("credentialType", "ACCESS_KEY") == "ACCESS_KEY" and not (
            normalised.get("accessKey") and normalised.get("accessSecret")
        ):
            raise ValueError("config: an ACCESS_KEY S3 source needs accessKey and accessSecret")
        for item in normalised.get("propertyList", []):
            if item["name"] == "fs.s3a.endpoint" and "://" in item["value"]:
                raise ValueError("config.propertyList: fs.s3a.endpoint is host:port, without http(s)://")
        if "maxCacheSpacePct" in normalised and not 1 <= normalised["maxCacheSpacePct"] <= 100:
            raise ValueError("config.maxCacheSpacePct: 1 to 100")
    if source_type == "POSTGRES":
        for required in ("hostname", "databaseName"):
            if not str(normalised.get(required, "")).strip():
                raise ValueError(f"config.{required}: required for a POSTGRES source")
        port = normalised.get("port", "5432")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(f"config.port: a port number 1..65535 (got {port!r})")
        if normalised.get("authenticationType") == "MASTER" and not (
            normalised.get("username") and normalised.get("password")
        ):
            raise ValueError("config: MASTER authentication needs username and password")
    if source_type == "ELASTIC":
        hosts = normalised.get("hostList")
        if not hosts or not all(
            isinstance(h, dict)
            and set(h) <= {"hostname", "port"}
            and isinstance(h.get("hostname"), str)
            and h["hostname"]
            and isinstance(h.get("port", 9200), int)
            and 1 <= h.get("port", 9200) <= 65535
            for h in hosts
        ):
            raise ValueError("config.hostList: a non-empty list of {hostname, port (1..65535)}")
        if normalised.get("authenticationType") == "MASTER" and not (
            normalised.get("username") and normalised.get("password")
        ):
            raise ValueError("config: MASTER authentication needs username and password")
    return normalised


def _whole_numbers(value: Any) -> Any:
    """Numbers arrive from the engine as floats (5432.0): whole ones become ints again, at any depth."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def metadata_impacting_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """S3 config fields whose change makes Dremio drop the source's datasets and reflections."""
    keys = set(old) | set(new)
    return sorted(k for k in keys - S3_NOT_METADATA_IMPACTING if old.get(k) != new.get(k))


class DremioSourceProvider(DremioProvider):
    kind = "source"
    inputs_model = SourceInputs
    replace_keys = ("name", "type")
    natural_key = ("name",)

    def describe(self, inputs: SourceInputs) -> str:
        return repr(inputs.name)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        result = super().check(olds, news)
        inputs, failures = result.inputs, list(result.failures or [])
        if (
            not failures
            and olds.get("type") == "S3"
            and inputs.get("type") == "S3"
            and olds.get("name") == inputs.get("name")
        ):
            changed = metadata_impacting_changes(olds.get("config") or {}, inputs.get("config") or {})
            if changed and not inputs.get("allow_metadata_reset"):
                failures.append(
                    pulumi.dynamic.CheckFailure(
                        "config",
                        f"changing {', '.join(changed)} makes Dremio drop every promoted dataset, format and reflection "
                        f"under source {inputs['name']!r}. Set allow_metadata_reset=True to accept that, or undo the change",
                    )
                )
        return pulumi.dynamic.CheckResult(inputs, failures)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        created = self.create_in_catalog(
            client,
            inputs,
            [inputs.name],
            _body(inputs, inputs.config),
            is_same_kind=lambda found: found.get("entityType") == "source",
            adopt=lambda found: _put(client, found["id"], inputs, inputs.config),
        )
        return pulumi.dynamic.CreateResult(created["id"], inputs.dump())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        entity = self.client(stored, "read").by_id(id_)
        if entity is None or entity.get("entityType") != "source":
            return pulumi.dynamic.ReadResult(None, {})
        actual = stored.dump() | {
            "name": entity["name"],
            "type": entity["type"],
            "config": _observed_config(stored, entity.get("config") or {}),
            "metadata_policy": {key: entity.get("metadataPolicy", {}).get(key) for key in MetadataPolicy.model_fields},
            "acceleration": {
                "refresh_period_ms": entity.get("accelerationRefreshPeriodMs", 0),
                "grace_period_ms": entity.get("accelerationGracePeriodMs", 0),
                "never_expire": entity.get("accelerationNeverExpire", False),
                "never_refresh": entity.get("accelerationNeverRefresh", False),
            },
        }
        return pulumi.dynamic.ReadResult(id_, actual, actual)

    def apply(self, client: DremioClient, id_: str, inputs: SourceInputs, olds: dict[str, Any]) -> dict[str, Any]:
        previous = olds.get("config") or {}
        # Unchanged secrets are sent as the placeholder Dremio keeps them by; changed ones in full.
        config = {
            k: (EXISTING_SECRET if k in SECRET_FIELDS[inputs.type] and previous.get(k) == v else v)
            for k, v in inputs.config.items()
        }
        _put(client, id_, inputs, config)
        return inputs.dump()

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = self.inputs(props)
        self.client(stored, "delete").delete_entity(id_)


def _put(client: DremioClient, id_: str, inputs: SourceInputs, config: dict[str, Any]) -> dict[str, Any]:
    return with_fresh_tag(
        client,
        lambda: current_entity(client, id_),
        lambda current: client.request(
            "PUT", f"/api/v3/catalog/{id_}", {**_body(inputs, config), "id": id_, "tag": current["tag"]}
        ),
    )


def _body(inputs: SourceInputs, config: dict[str, Any]) -> dict[str, Any]:
    """The complete source entity: Dremio resets whatever a PUT leaves out."""
    acceleration = inputs.acceleration
    return {
        "entityType": "source",
        "name": inputs.name,
        "type": inputs.type,
        "config": config,
        "metadataPolicy": inputs.metadata_policy.model_dump(),
        "accelerationRefreshPeriodMs": acceleration.refresh_period_ms,
        "accelerationGracePeriodMs": acceleration.grace_period_ms,
        "accelerationNeverExpire": acceleration.never_expire,
        "accelerationNeverRefresh": acceleration.never_refresh,
    }


def _observed_config(stored: SourceInputs, server: dict[str, Any]) -> dict[str, Any]:
    """The fields the program sets, as Dremio reports them. Masked secrets stand for the stored value; a
    secret Dremio no longer has (the field is omitted) reads as empty, which shows up as drift."""
    observed = {}
    for name, value in stored.config.items():
        reported = server.get(name)
        if name in SECRET_FIELDS[stored.type]:
            observed[name] = value if reported == EXISTING_SECRET else (reported or "")
        else:
            observed[name] = reported
    return observed


@dataclass(frozen=True, kw_only=True)
class DremioSourceArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, username, password}` of a Dremio administrator; kept secret."""
    name: pulumi.Input[str]
    type: pulumi.Input[str]
    """"S3", "POSTGRES" or "ELASTIC"; changing it replaces the source."""
    config: pulumi.Input[dict[str, Any]]
    """Dremio's own field names (e.g. credentialType, accessKey, accessSecret, compatibilityMode, propertyList)."""
    metadata_policy: pulumi.Input[dict[str, Any]] = field(default_factory=dict)
    """Dremio's metadataPolicy keys; unset ones take Dremio's defaults."""
    acceleration: pulumi.Input[dict[str, Any]] = field(default_factory=dict)
    """`{refresh_period_ms, grace_period_ms, never_expire, never_refresh}`; unset ones take Dremio's defaults."""
    allow_metadata_reset: pulumi.Input[bool] = False
    """Accept a change that makes Dremio drop the source's promoted datasets and reflections."""
    adopt: pulumi.Input[bool] = False


class DremioSource(ContractResource, module="dremio", name="Source"):
    """Declare with `DremioSource(resource_name, DremioSourceArgs(...), opts)`."""

    provider_class = DremioSourceProvider
    # The config holds the source's own secrets (accessSecret, password).
    secret_inputs = ("connection", "config")

    name: pulumi.Output[str]
    type: pulumi.Output[str]
    config: pulumi.Output[dict[str, Any]]
    metadata_policy: pulumi.Output[dict[str, Any]]
    acceleration: pulumi.Output[dict[str, Any]]
    connection: pulumi.Output[dict[str, Any]]
