"""The fake Dremio's data: constants of the contract, error answers, entities, reflections, helpers."""


from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EXISTING = "$DREMIO_EXISTING_VALUE$"
NEVER = "1969-12-31T23:59:59.999Z"
DEFAULT_METADATA_POLICY = {
    "authTTLMs": 86400000,
    "namesRefreshMs": 3600000,
    "datasetRefreshAfterMs": 3600000,
    "datasetExpireAfterMs": 10800000,
    "datasetUpdateMode": "PREFETCH_QUERIED",
    "deleteUnavailableDatasets": True,
    "autoPromoteDatasets": False,
}
METADATA_PERIODS = ("authTTLMs", "namesRefreshMs", "datasetRefreshAfterMs", "datasetExpireAfterMs")
UPDATE_MODES = {"PREFETCH", "PREFETCH_QUERIED", "INLINE", "UNKNOWN"}

# Per source type: field → (kind, default). kind: str, bool, int, list, props (name/value list), hosts,
# or a set of enum values. Secrets are listed separately. Defaults None: not filled in.
CONFIG_SCHEMAS: dict[str, dict[str, tuple[Any, Any]]] = {
    "S3": {
        "credentialType": ({"ACCESS_KEY", "EC2_METADATA", "NONE", "AWS_PROFILE"}, "ACCESS_KEY"),
        "accessKey": ("str", ""),
        "accessSecret": ("str", None),
        "secure": ("bool", True),
        "externalBucketList": ("list", None),
        "propertyList": ("props", None),
        "rootPath": ("str", "/"),
        "enableAsync": ("bool", True),
        "compatibilityMode": ("bool", False),
        "isCachingEnabled": ("bool", True),
        "maxCacheSpacePct": ("int", 100),
        "whitelistedBuckets": ("list", None),
        "assumedRoleARN": ("str", None),
        "kmsKeyARN": ("str", None),
        "awsProfile": ("str", None),
        "requesterPays": ("bool", False),
        "enableFileStatusCheck": ("bool", True),
        "defaultCtasFormat": ({"ICEBERG", "PARQUET"}, "ICEBERG"),
        "isPartitionInferenceEnabled": ("bool", False),
    },
    "POSTGRES": {
        "hostname": ("str", None),
        "port": ("str", "5432"),
        "databaseName": ("str", None),
        "username": ("str", None),
        "password": ("str", None),
        "authenticationType": ({"ANONYMOUS", "MASTER", "USER", "KERBEROS", "AWS_PROFILE", "SECRET"}, "ANONYMOUS"),
        "secretResourceUrl": ("str", None),
        "fetchSize": ("int", 200),
        "useSsl": ("bool", False),
        "encryptionValidationMode": ({"CERTIFICATE_AND_HOSTNAME_VALIDATION", "CERTIFICATE_ONLY_VALIDATION", "NO_VALIDATION"}, "CERTIFICATE_AND_HOSTNAME_VALIDATION"),
        "maxIdleConns": ("int", 8),
        "idleTimeSec": ("int", 60),
        "queryTimeoutSec": ("int", 0),
        "propertyList": ("props", None),
    },
    "ELASTIC": {
        "hostList": ("hosts", None),
        "authenticationType": ({"ANONYMOUS", "MASTER"}, "ANONYMOUS"),
        "username": ("str", None),
        "password": ("str", None),
        "sslEnabled": ("bool", False),
        "useWhitelist": ("bool", False),
        "scriptsEnabled": ("bool", True),
        "showHiddenIndices": ("bool", False),
        "showIdColumn": ("bool", False),
        "readTimeoutMillis": ("int", 60000),
        "scrollTimeoutMillis": ("int", 300000),
        "usePainless": ("bool", True),
        "scrollSize": ("int", 4000),
        "allowPushdownOnNormalizedOrAnalyzedFields": ("bool", False),
        "pushdownWithKeyword": ("bool", False),
        "warnOnRowCountMismatch": ("bool", False),
        "encryptionValidationMode": ({"CERTIFICATE_AND_HOSTNAME_VALIDATION", "CERTIFICATE_ONLY_VALIDATION", "NO_VALIDATION"}, "CERTIFICATE_AND_HOSTNAME_VALIDATION"),
        "forceDoublePrecision": ("bool", False),
    },
}
SECRET_FIELDS = {"S3": {"accessSecret"}, "POSTGRES": {"password", "secretResourceUrl"}, "ELASTIC": {"password"}}
NOT_METADATA_IMPACTING = {
    "S3": {"secure", "enableAsync", "isCachingEnabled", "maxCacheSpacePct", "kmsKeyARN", "enableFileStatusCheck",
           "defaultCtasFormat", "isPartitionInferenceEnabled"},
    "POSTGRES": {"fetchSize"},
    "ELASTIC": set(),
}
FORMAT_TYPES = {"Parquet", "JSON", "Text", "Avro", "Iceberg", "Delta", "Excel", "XLS", "HttpLog", "Unknown"}
MEASURE_TYPES = {"MIN", "MAX", "SUM", "COUNT", "APPROX_COUNT_DISTINCT", "UNKNOWN"}
NUMERIC = {"BIGINT", "INTEGER", "DOUBLE", "FLOAT", "DECIMAL"}


class HttpError(Exception):
    def __init__(self, status: int, body: Any = None, content_type: str = "application/json"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type


def error(status: int, message: str, *, context: list[str] | None = None) -> HttpError:
    body: dict[str, Any] = {"errorMessage": message, "moreInfo": ""}
    if context is not None:
        body["context"] = context
    return HttpError(status, body)


def validation_error(field_name: str, message: str) -> HttpError:
    return HttpError(
        400,
        {
            "errorMessage": f"Invalid input \n{field_name}: {message}",
            "moreInfo": "",
            "validationErrorMessages": {"fieldErrorMessages": {field_name: [message]}, "globalErrorMessages": []},
        },
    )


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{datetime.now(UTC).microsecond // 1000:03d}Z"


def new_tag() -> str:
    return base64.b64encode(os.urandom(8)).decode()


def key(path: list[str]) -> tuple[str, ...]:
    return tuple(part.lower() for part in path)


@dataclass
class Entity:
    kind: str  # space, folder, source, view, table
    path: list[str]
    body: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tag: str = field(default_factory=new_tag)
    created_at: str = field(default_factory=now)
    fields: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Reflection:
    body: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tag: str = field(default_factory=new_tag)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)



def _fields(columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"name": name, "type": {"name": kind}} for name, kind in columns]


def _matches(kind: Any, value: Any) -> bool:
    if isinstance(kind, set):
        return value in kind
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if kind == "props":
        return isinstance(value, list) and all(
            isinstance(item, dict) and set(item) <= {"name", "value"} and str(item.get("name", "")).strip() and str(item.get("value", "")).strip()
            for item in value
        )
    if kind == "hosts":
        return isinstance(value, list) and all(
            isinstance(item, dict) and set(item) <= {"hostname", "port"} and isinstance(item.get("hostname"), str)
            and isinstance(item.get("port", 9200), int) for item in value
        )
    return False


def _split_top_level(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        items.append(current.strip())
    return items


def _without_nulls(value: Any) -> Any:
    """Jackson NON_NULL: null fields are omitted; empty lists stay."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value

