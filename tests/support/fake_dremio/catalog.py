"""The fake Dremio's catalog: the namespace, sources, spaces, folders, views and tables (`/api/v3/catalog`)."""


from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import unquote

from tests.support.fake_dremio.model import (
    FORMAT_TYPES,
    Entity,
    HttpError,
    _split_top_level,
    error,
    key,
    new_tag,
    validation_error,
)


class CatalogMixin:
    """Catalog endpoints of `FakeDremio`; the state lives on the server object."""

    def _register(self, entity: Entity) -> None:
        self.entities[entity.id] = entity
        self.namespace[key(entity.path)] = entity.id

    def _unregister(self, entity: Entity) -> None:
        self.entities.pop(entity.id, None)
        self.namespace.pop(key(entity.path), None)
        for reflection_id in [r for r, ref in self.reflections.items() if ref.body["datasetId"] == entity.id]:
            del self.reflections[reflection_id]

    def _entity_at(self, path: list[str]) -> Entity | None:
        entity_id = self.namespace.get(key(path))
        return self.entities.get(entity_id) if entity_id else None

    def _below(self, path: list[str]) -> list[Entity]:
        prefix = key(path)
        return [e for e in list(self.entities.values()) if key(e.path)[: len(prefix)] == prefix and len(e.path) > len(prefix)]

    def _add_direct(self, path: list[str], fields: list[dict[str, Any]]) -> None:
        if not self._entity_at(path):
            self._register(Entity("table", list(path), {"direct": True}, fields=fields))

    def _children(self, entity: Entity) -> list[dict[str, Any]]:
        items = []
        depth = len(entity.path)
        for child in self.entities.values():
            if len(child.path) == depth + 1 and key(child.path)[:depth] == key(entity.path):
                items.append(self._item(child))
        if entity.kind == "source":
            seen = {key(item["path"]) for item in items}
            for content in self.s3_content.values():
                if key(content["path"])[:depth] == key(entity.path) and len(content["path"]) > depth:
                    child_path = content["path"][: depth + 1]
                    if key(child_path) not in seen:
                        seen.add(key(child_path))
                        file = content["file"] and len(content["path"]) == depth + 1
                        items.append({"id": "dremio:/" + "/".join(child_path), "path": child_path,
                                      "type": "FILE" if file else "CONTAINER", **({} if file else {"containerType": "FOLDER"})})
        return items

    def _item(self, entity: Entity) -> dict[str, Any]:
        if entity.kind in ("view", "table"):
            dataset_type = "VIRTUAL" if entity.kind == "view" else ("DIRECT" if entity.body.get("direct") else "PROMOTED")
            return {"id": entity.id, "path": entity.path, "tag": entity.tag, "type": "DATASET", "datasetType": dataset_type,
                    "createdAt": entity.created_at}
        return {"id": entity.id, "path": entity.path, "tag": entity.tag, "type": "CONTAINER",
                "containerType": entity.kind.upper(), "createdAt": entity.created_at}

    # -- catalog: read -----------------------------------------------------------------------------------

    def list_top_level(self, **_: Any) -> Any:
        return {"data": [self._item(e) for e in self.entities.values() if len(e.path) == 1]}

    def get_by_path(self, raw: str, **_: Any) -> Any:
        path = [unquote(segment).strip('"') for segment in raw.split("/")]
        entity = self._entity_at(path)
        if entity:
            return self._render(entity, children=True)
        content = self.s3_content.get(key(path))
        if content or any(k[: len(path)] == key(path) for k in self.s3_content):
            source = self._entity_at(path[:1])
            if source and source.kind == "source":
                full = content["path"] if content else path
                if content and content["file"]:
                    return {"entityType": "file", "id": "dremio:/" + "/".join(full), "path": full}
                return {"entityType": "folder", "id": "dremio:/" + "/".join(full), "path": full,
                        "children": self._synthetic_children(full)}
        raise error(404, f"Could not find entity with path [[{', '.join(path)}]]")

    def _synthetic_children(self, path: list[str]) -> list[dict[str, Any]]:
        depth = len(path)
        items, seen = [], set()
        for content in self.s3_content.values():
            if key(content["path"])[:depth] == key(path) and len(content["path"]) > depth:
                child = content["path"][: depth + 1]
                if key(child) not in seen:
                    seen.add(key(child))
                    promoted = self._entity_at(child)
                    items.append(self._item(promoted) if promoted else {"id": "dremio:/" + "/".join(child), "path": child, "type": "CONTAINER", "containerType": "FOLDER"})
        return items

    def get_by_id(self, raw_id: str, **_: Any) -> Any:
        entity_id = unquote(raw_id)
        if entity_id.startswith("dremio:/"):
            return self.get_by_path("/".join(entity_id[len("dremio:/"):].split("/")))
        entity = self.entities.get(entity_id)
        if entity is None or entity.kind == "home":
            raise error(404, f"Could not find entity with id [{entity_id}]")
        return self._render(entity, children=True)

    def _render(self, entity: Entity, *, children: bool) -> dict[str, Any]:
        body = entity.body
        if entity.kind == "space":
            rendered = {"entityType": "space", "id": entity.id, "name": entity.path[0], "tag": entity.tag, "createdAt": entity.created_at}
        elif entity.kind == "folder":
            rendered = {"entityType": "folder", "id": entity.id, "path": entity.path, "tag": entity.tag}
        elif entity.kind == "source":
            rendered = {
                "entityType": "source", "config": self._masked_config(body["type"], body["config"]),
                "state": {"status": "good", "suggestedUserAction": "", "messages": []},
                "id": entity.id, "tag": entity.tag, "type": body["type"], "name": entity.path[0],
                "description": body.get("description"), "createdAt": entity.created_at,
                "metadataPolicy": body["metadataPolicy"],
                "accelerationGracePeriodMs": body["accelerationGracePeriodMs"],
                "accelerationRefreshPeriodMs": body["accelerationRefreshPeriodMs"],
                "accelerationActivePolicyType": "NEVER" if body["accelerationNeverRefresh"] else "PERIOD",
                "accelerationRefreshSchedule": "0 0 8 * * ?",
                "accelerationNeverExpire": body["accelerationNeverExpire"],
                "accelerationNeverRefresh": body["accelerationNeverRefresh"],
                "allowCrossSourceSelection": False, "disableMetadataValidityCheck": False,
            }
        elif entity.kind == "view":
            rendered = {"entityType": "dataset", "id": entity.id, "type": "VIRTUAL_DATASET", "path": entity.path,
                        "createdAt": entity.created_at, "tag": entity.tag, "sql": body["sql"],
                        "sqlContext": body.get("sqlContext"), "fields": entity.fields,
                        "isMetadataExpired": False, "lastMetadataRefreshAt": entity.created_at}
        else:
            rendered = {"entityType": "dataset", "id": entity.id, "type": "PHYSICAL_DATASET", "path": entity.path,
                        "createdAt": entity.created_at, "tag": entity.tag, "format": body.get("format"),
                        "accelerationRefreshPolicy": body.get("accelerationRefreshPolicy"), "fields": entity.fields,
                        "approximateStatisticsAllowed": False, "isMetadataExpired": False,
                        "lastMetadataRefreshAt": entity.created_at}
        if children and entity.kind in ("space", "folder", "source"):
            rendered["children"] = self._children(entity)
        return rendered

    def create_entity(self, *, body: Any, **_: Any) -> Any:
        body = body or {}
        kind = body.get("entityType")
        if kind == "space":
            return self._create_space(body)
        if kind == "folder":
            return self._create_folder(body)
        if kind == "source":
            return self._create_source(body)
        if kind == "dataset" and body.get("type") == "VIRTUAL_DATASET":
            return self._create_view(body)
        raise error(400, f"An invalid value was found: {kind}")

    def _create_space(self, body: dict[str, Any]) -> Any:
        if body.get("id"):
            raise error(400, "Space id is immutable.", context=[])
        name = body.get("name") or ""
        if not name.strip():
            raise validation_error("name", "Space name can not be empty.")
        if name.startswith("@") or name.lower() == "tmp":
            raise error(400, f"Invalid space name [{name}].", context=[])
        if self._entity_at([name]):
            raise error(409, f"A space with the name [{name}] already exists.")
        entity = Entity("space", [name], {})
        self._register(entity)
        return self._render(entity, children=True)

    def _create_folder(self, body: dict[str, Any]) -> Any:
        path = list(body.get("path") or [])
        if len(path) < 2:
            raise error(400, "Folder path should be fully qualified.", context=[])
        if not re.fullmatch(r'[^."/]+', path[-1]):
            raise validation_error("path", "Folder name cannot contain periods, forward slashes or double quotes.")
        parent = self._entity_at(path[:-1])
        if parent is None:
            raise error(400, f"Could not find entity with path [[{', '.join(path[:-1])}]].", context=[])
        if parent.kind == "source":
            raise error(400, "Can not create a folder inside a [SOURCE].", context=[])
        if self._entity_at(path):
            raise error(409, f'The current location already contains a folder named "{path[-1]}". Please use a unique name for the new folder.')
        entity = Entity("folder", path, {})
        self._register(entity)
        return self._render(entity, children=True)

    def _create_view(self, body: dict[str, Any]) -> Any:
        path, sql = list(body.get("path") or []), body.get("sql") or ""
        if body.get("id"):
            raise error(400, "Dataset id is immutable.", context=[])
        if len(path) < 2:
            raise error(400, "Dataset path should be fully qualified.", context=[])
        if not sql.strip():
            raise error(400, "SQL must not be empty.", context=[])
        if body.get("format") is not None:
            raise error(400, "Virtual datasets can not have a format.", context=[])
        root = self._entity_at(path[:1])
        if root is None:
            raise error(400, f"Could not find the space, home space or versioned source with name [{path[0]}].", context=[])
        if root.kind not in ("space", "home"):
            raise error(400, "Virtual datasets can only be saved into spaces, home space or versioned sources.", context=[])
        if len(path) > 2 and self._entity_at(path[:-1]) is None:
            raise error(400, "Parent folder doesn't exist", context=[])
        if self._entity_at(path):
            raise HttpError(409, {"errorMessage": f"VDS '{path[-1]}' already exists. Please use a different name."})
        fields = self._view_fields(sql, body.get("sqlContext") or [])
        entity = Entity("view", path, {"sql": sql, "sqlContext": body.get("sqlContext")}, fields=fields)
        self._register(entity)
        return self._render(entity, children=False)

    def _view_fields(self, sql: str, context: list[str]) -> list[dict[str, Any]]:
        """Check every referenced dataset exists; derive the columns from the SELECT list."""
        referenced = []
        for match in re.finditer(r'\b(?:FROM|JOIN)\s+((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*))*)', sql, re.I):
            parts = [part.strip().strip('"') for part in re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', match.group(1))]
            dataset = self._entity_at(parts) or (self._entity_at(context + parts) if context else None)
            if dataset is None or dataset.kind not in ("view", "table"):
                raise HttpError(400, {"code": "INVALID_QUERY", "message": f"Object '{parts[-1]}' not found within '{'.'.join(parts[:-1]) or '<context>'}'",
                                      "details": {"errors": [{"message": f"Object '{'.'.join(parts)}' not found"}]}})
            referenced.append(dataset)
        columns = {f["name"].lower(): f for dataset in referenced for f in dataset.fields}
        select = re.search(r"\bSELECT\s+(.*?)\s+FROM\b", sql, re.I | re.S)
        items = _split_top_level(select.group(1)) if select else []
        if not items or items == ["*"]:
            return copy.deepcopy(referenced[0].fields) if referenced else []
        fields = []
        for item in items:
            alias = re.search(r'\bAS\s+"?([\w$]+)"?\s*$', item, re.I)
            name = alias.group(1) if alias else re.split(r"[.\s]", item.strip())[-1].strip('"')
            source = columns.get(re.split(r"[\s(]", item.strip())[-1].strip('"').lower()) or columns.get(name.lower())
            aggregate = re.match(r"\s*(SUM|COUNT|AVG|MIN|MAX)\s*\(", item, re.I)
            kind = "BIGINT" if aggregate and aggregate.group(1).upper() == "COUNT" else (
                "DOUBLE" if aggregate else (source["type"]["name"] if source else "VARCHAR"))
            fields.append({"name": name, "type": {"name": kind}})
        return fields

    # -- catalog: promote, update, delete ----------------------------------------------------------------

    def promote(self, raw_id: str, *, body: Any, **_: Any) -> Any:
        entity_id = unquote(raw_id)
        if not entity_id.startswith("dremio:/"):
            entity = self.entities.get(entity_id)
            raise error(400, f"Can only promote a folder or a file but found [{(entity.kind if entity else 'UNKNOWN').upper()}]", context=[])
        target = entity_id[len("dremio:/"):].split("/")
        body = body or {}
        path = [part.strip('"') for part in body.get("path") or []]
        if key(path) != key(target):
            raise error(400, "Entity id does not match the path specified in the dataset.", context=[])
        if body.get("type") != "PHYSICAL_DATASET":
            raise error(400, "Promoted dataset type must be PHYSICAL_DATASET.", context=[])
        content = self.s3_content.get(key(target))
        if content is None:
            raise error(404, f"Could not find entity with id [{entity_id}]")
        if self._entity_at(target):
            raise error(409, f"Dataset [{'.'.join(target)}] already exists.")
        format_ = self._format(body.get("format"), content)
        policy = self._refresh_policy(body.get("accelerationRefreshPolicy"))
        entity = Entity("table", content["path"], {"format": format_, "accelerationRefreshPolicy": policy}, fields=copy.deepcopy(content["fields"]))
        self._register(entity)
        return self._render(entity, children=False)

    def _format(self, format_: Any, content: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(format_, dict) or format_.get("type") not in FORMAT_TYPES:
            raise error(400, "Promoted dataset needs to have a format set.", context=[])
        return {**format_, "name": content["path"][-1], "fullPath": content["path"], "ctime": 0,
                "isFolder": not content["file"], "location": "/" + "/".join(content["path"][1:]),
                "ignoreOtherFileFormats": False, **({"autoCorrectCorruptDates": True} if format_["type"] == "Parquet" else {})}

    def _refresh_policy(self, policy: Any) -> dict[str, Any] | None:
        if policy is None:
            return None
        if not isinstance(policy, dict):
            raise error(400, "Invalid value found at: accelerationRefreshPolicy")
        allowed = {"refreshPeriodMs", "gracePeriodMs", "method", "refreshField", "neverExpire", "neverRefresh",
                   "activePolicyType", "refreshSchedule", "sourceRefreshOnDataChanges"}
        for name in policy:
            if name not in allowed:
                raise error(400, f"Invalid value found at: accelerationRefreshPolicy.{name}")
        if policy.get("neverExpire") is None or policy.get("neverRefresh") is None:
            raise error(500, "Something went wrong.")
        if policy.get("method", "FULL") not in ("FULL", "INCREMENTAL"):
            raise error(400, "Invalid value found at: accelerationRefreshPolicy.method")
        never_refresh = bool(policy["neverRefresh"])
        return {
            "refreshPeriodMs": policy.get("refreshPeriodMs") or 3600000,
            "gracePeriodMs": policy.get("gracePeriodMs") or 10800000,
            "method": policy.get("method") or "FULL",
            "refreshField": policy.get("refreshField"),
            "neverExpire": bool(policy["neverExpire"]),
            "neverRefresh": never_refresh,
            "activePolicyType": "NEVER" if never_refresh else (policy.get("activePolicyType") or "PERIOD"),
            "refreshSchedule": policy.get("refreshSchedule") or "0 0 8 * * ?",
        }

    def update_entity(self, raw_id: str, *, body: Any, **_: Any) -> Any:
        entity_id = unquote(raw_id)
        body = body or {}
        entity = self.entities.get(entity_id)
        if entity is None:
            raise error(404, f"Could not find entity with id [{entity_id}]")
        # CatalogResource turns IllegalArgumentException into 404 for PUT.
        if not body.get("id"):
            raise error(404, "Entity id is required.")
        if body["id"] != entity_id:
            raise error(404, "Ids must match.")
        if entity.kind == "source":
            return self._update_source(entity, body)
        if entity.kind in ("space", "folder"):
            tag = body.get("tag")
            if tag is None:
                raise error(409, f"tried to create, found previous version {entity.tag}")
            if tag != entity.tag:
                raise error(409, f"tried to update version {tag}, found previous version {entity.tag}")
            entity.tag = new_tag()
            return self._render(entity, children=False)
        if entity.kind == "view":
            return self._update_view(entity, body)
        return self._update_table(entity, body)

    def _update_view(self, entity: Entity, body: dict[str, Any]) -> Any:
        if body.get("type") != "VIRTUAL_DATASET":
            raise error(404, "Dataset type can not be modified")
        path = list(body.get("path") or entity.path)
        sql = body.get("sql") or ""
        if not sql.strip():
            raise error(400, "SQL must not be empty.", context=[])
        fields = self._view_fields(sql, body.get("sqlContext") or [])
        if key(path) != key(entity.path):
            if self._entity_at(path):
                raise HttpError(409, {"errorMessage": f"VDS '{path[-1]}' already exists. Please use a different name."})
            if self._entity_at(path[:-1]) is None:
                raise error(400, "Parent folder doesn't exist", context=[])
            self.namespace.pop(key(entity.path), None)
            entity.path = path
            self.namespace[key(path)] = entity.id
        entity.body = {"sql": sql, "sqlContext": body.get("sqlContext")}
        entity.fields = fields
        entity.tag = new_tag()
        return self._render(entity, children=False)

    def _update_table(self, entity: Entity, body: dict[str, Any]) -> Any:
        if body.get("type") != "PHYSICAL_DATASET":
            raise error(404, "Dataset type can not be modified")
        if key(body.get("path") or []) != key(entity.path):
            raise error(404, "Dataset path can not be modified.")
        if entity.body.get("direct"):
            entity.body = {"direct": True, "accelerationRefreshPolicy": self._refresh_policy(body.get("accelerationRefreshPolicy"))}
        else:
            if body.get("format") is None:
                raise error(400, "Promoted dataset needs to have a format set.", context=[])
            content = self.s3_content[key(entity.path)]
            entity.body = {"format": self._format(body["format"], content),
                           "accelerationRefreshPolicy": self._refresh_policy(body.get("accelerationRefreshPolicy"))}
        entity.tag = new_tag()
        return self._render(entity, children=False)

    def delete_entity(self, raw_id: str, *, query: dict[str, list[str]], **_: Any) -> Any:
        entity_id = unquote(raw_id)
        entity = self.entities.get(entity_id)
        if entity is None or entity.kind == "home":
            raise error(404, f"Could not find entity with id [{entity_id}].")
        tag = (query.get("tag") or [None])[0]
        if entity.kind == "source":
            if tag is not None and tag != entity.tag:
                raise error(400, "Unable to remove source as the provided definition is out of date.", context=[])
        elif entity.kind == "table":
            if entity.body.get("direct"):
                raise error(400, "A physical dataset can not be deleted.", context=[])
        elif tag is not None and tag != entity.tag:
            raise error(409, f"Cannot delete, expected tag {tag} but found tag {entity.tag}")
        for child in self._below(entity.path):
            self._unregister(child)
        self._unregister(entity)
        return 204, None

    def refresh_dataset(self, raw_id: str, **_: Any) -> Any:
        entity = self.entities.get(unquote(raw_id))
        if entity is None or entity.kind not in ("view", "table"):
            raise error(404, f"Could not find dataset with id [{unquote(raw_id)}].")
        return 204, None

    # -- reflections -------------------------------------------------------------------------------------

