"""The fake Dremio's sources: strict `config` per type, metadata policy, masked secrets, metadata-impacting updates."""


from __future__ import annotations

import re
from typing import Any

from tests.support.fake_dremio.model import (
    CONFIG_SCHEMAS,
    DEFAULT_METADATA_POLICY,
    EXISTING,
    METADATA_PERIODS,
    NOT_METADATA_IMPACTING,
    SECRET_FIELDS,
    UPDATE_MODES,
    Entity,
    _matches,
    error,
    key,
    new_tag,
    validation_error,
)


class SourcesMixin:
    """Source handling of `FakeDremio`'s catalog; the state lives on the server object."""

    def _masked_config(self, source_type: str, config: dict[str, Any]) -> dict[str, Any]:
        rendered = {}
        for name, (_, default) in CONFIG_SCHEMAS[source_type].items():
            value = config.get(name, default)
            if name in SECRET_FIELDS[source_type]:
                if value:
                    rendered[name] = EXISTING
            elif value is not None:
                rendered[name] = value
        return rendered

    # -- catalog: create ---------------------------------------------------------------------------------

    def _create_source(self, body: dict[str, Any]) -> Any:
        for immutable in ("id", "tag"):
            if body.get(immutable):
                raise error(400, f"Source {immutable} is immutable.", context=[])
        name, source_type = body.get("name"), body.get("type")
        if name is None or body.get("config") is None:
            raise error(500, "Something went wrong.")
        if not re.fullmatch(r'[^."@]+', name):
            raise validation_error("name", "Source name can not contain periods, double quotes or @.")
        if name.lower() == "tmp":
            raise error(400, "Invalid source name [tmp].", context=[])
        if source_type not in CONFIG_SCHEMAS:
            raise error(400, f"An invalid value was found: {source_type}")
        if self._entity_at([name]):
            raise error(409, f"A source with the name [{name}] already exists.")
        stored = self._source_body(body, source_type, previous=None)
        self._check_connectivity(name, source_type, stored["config"])
        entity = Entity("source", [name], stored)
        self._register(entity)
        for path, fields in self.direct_tables:
            if key(path[:1]) == key([name]):
                self._add_direct(path, fields)
        return self._render(entity, children=True)

    def _source_body(self, body: dict[str, Any], source_type: str, previous: dict[str, Any] | None) -> dict[str, Any]:
        config = self._validated_config(source_type, body["config"], previous["config"] if previous else None)
        return {
            "type": source_type,
            "description": body.get("description"),
            "config": config,
            "metadataPolicy": self._metadata_policy(body.get("metadataPolicy")),
            # Primitive longs and Booleans: what a request omits is stored as 0 / false (PUT resets).
            "accelerationRefreshPeriodMs": int(body.get("accelerationRefreshPeriodMs") or 0),
            "accelerationGracePeriodMs": int(body.get("accelerationGracePeriodMs") or 0),
            "accelerationNeverExpire": bool(body.get("accelerationNeverExpire") or False),
            "accelerationNeverRefresh": bool(body.get("accelerationNeverRefresh") or False),
        }

    def _validated_config(self, source_type: str, config: Any, previous: dict[str, Any] | None) -> dict[str, Any]:
        if not isinstance(config, dict):
            raise error(400, "Invalid value found at: config")
        schema = CONFIG_SCHEMAS[source_type]
        stored: dict[str, Any] = {}
        for name, value in config.items():
            if name not in schema:
                raise error(400, f"Invalid value found at: config.{name}")
            kind, _ = schema[name]
            if value is not None and not _matches(kind, value):
                raise error(400, f"Invalid value found at: config.{name}")
            if name in SECRET_FIELDS[source_type] and value == EXISTING:
                value = (previous or {}).get(name)
            stored[name] = value
        if source_type == "S3" and stored.get("credentialType", "ACCESS_KEY") == "ACCESS_KEY":
            if not stored.get("accessKey") or not stored.get("accessSecret"):
                raise error(400, "You must provide AWS Access Key and AWS Access Secret.", context=[])
        if source_type == "POSTGRES":
            for required in ("hostname", "port", "databaseName"):
                if not str(stored.get(required) or schema[required][1] or "").strip():
                    raise validation_error(f"config.{required}", "must not be blank")
        if source_type == "ELASTIC" and not stored.get("hostList"):
            raise validation_error("config.hostList", "must not be empty")
        return stored

    def _metadata_policy(self, policy: Any) -> dict[str, Any]:
        if policy is None:
            return dict(DEFAULT_METADATA_POLICY)
        if not isinstance(policy, dict):
            raise error(400, "Invalid value found at: metadataPolicy")
        allowed = set(DEFAULT_METADATA_POLICY)
        for name in policy:
            if name not in allowed:
                raise error(400, f"Invalid value found at: metadataPolicy.{name}")
        mode = policy.get("datasetUpdateMode")
        if mode is None:
            raise error(500, "Something went wrong.")
        if mode not in UPDATE_MODES:
            raise error(400, "Invalid value found at: metadataPolicy.datasetUpdateMode")
        stored = {"datasetUpdateMode": mode}
        for name in METADATA_PERIODS:
            value = int(policy.get(name) or 0)
            if 0 < value < 60000:
                raise error(400, f"Source metadata policy {name} must be greater than or equal to 60000.", context=[])
            stored[name] = value or DEFAULT_METADATA_POLICY[name]
        stored["deleteUnavailableDatasets"] = bool(policy.get("deleteUnavailableDatasets") or False)
        stored["autoPromoteDatasets"] = bool(policy.get("autoPromoteDatasets") or False)
        return {name: stored[name] for name in DEFAULT_METADATA_POLICY}

    def _check_connectivity(self, name: str, source_type: str, config: dict[str, Any]) -> None:
        hosts = set()
        if source_type == "POSTGRES":
            hosts.add(config.get("hostname"))
        elif source_type == "ELASTIC":
            hosts |= {h.get("hostname") for h in config.get("hostList") or []}
        else:
            hosts |= {p["value"].split(":")[0] for p in config.get("propertyList") or [] if p.get("name") == "fs.s3a.endpoint"}
        if hosts & self.unreachable_hosts:
            raise error(400, f"Failed to create source with name {name}.", context=["Unable to connect to the data source."])

    def _update_source(self, entity: Entity, body: dict[str, Any]) -> Any:
        tag = body.get("tag")
        if tag is None:
            raise error(409, f"Source already exists with name {entity.path[0]}.")
        if body.get("name") != entity.path[0]:
            raise error(404, "Source name is immutable.")
        if body.get("type") != entity.body["type"]:
            raise error(404, "Source type is immutable.")
        if body.get("createdAt") not in (None, 0, entity.created_at):
            raise error(404, "Creation time is immutable.")
        if tag != entity.tag:
            raise error(409, f"Source [{entity.path[0]}] has been updated, and the given configuration is out of date "
                             f"(current tag: {entity.tag}, given: {tag})")
        if body.get("config") is None:
            raise error(500, "Something went wrong.")
        stored = self._source_body(body, entity.body["type"], previous=entity.body)
        impacting = self._metadata_impacting(entity.body["type"], entity.body["config"], stored["config"])
        self._check_connectivity(entity.path[0], entity.body["type"], stored["config"])
        entity.body = stored
        entity.tag = new_tag()
        # Dremio keeps the datasets only when the support key says so (set by the processing layer's Job).
        if impacting and not self.system_options["store.plugin.keep_metadata_on_replace"]:
            for child in self._below(entity.path):
                if child.kind == "table" and not child.body.get("direct"):
                    self._unregister(child)
        return self._render(entity, children=False)

    @staticmethod
    def _metadata_impacting(source_type: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
        schema = CONFIG_SCHEMAS[source_type]
        for name in schema:
            if name in NOT_METADATA_IMPACTING[source_type]:
                continue
            if before.get(name, schema[name][1]) != after.get(name, schema[name][1]):
                return True
        return False

