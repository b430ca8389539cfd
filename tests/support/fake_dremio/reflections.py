"""The fake Dremio's reflections (`/api/v3/reflection`) and SQL jobs (`/api/v3/sql`, `/api/v3/job`)."""


from __future__ import annotations

import re
import uuid
from typing import Any

from tests.support.fake_dremio.model import (
    MEASURE_TYPES,
    NEVER,
    NUMERIC,
    HttpError,
    Reflection,
    error,
    new_tag,
    now,
    validation_error,
)


class ReflectionsMixin:
    """Reflection and job endpoints of `FakeDremio`; the state lives on the server object."""

    def create_reflection(self, *, body: Any, **_: Any) -> Any:
        body = body or {}
        if body.get("id"):
            raise error(400, "Invalid reflection: new reflection shouldn't have an ID", context=[])
        if body.get("tag"):
            raise error(400, "Invalid reflection: new reflection shouldn't have a version", context=[])
        stored = self._validated_reflection(body)
        reflection = Reflection(stored)
        self.reflections[reflection.id] = reflection
        return self._render_reflection(reflection)

    def _validated_reflection(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("enabled") is None:
            raise validation_error("enabled", "Reflections must have the enabled field set")
        if not body.get("datasetId"):
            raise error(400, "Invalid reflection: datasetId required", context=[])
        if not (body.get("name") or "").strip():
            raise error(400, "Invalid reflection: non-empty name required", context=[])
        kind = body.get("type")
        if kind not in ("RAW", "AGGREGATION"):
            raise error(400, "Invalid reflection: type must be set", context=[])
        dataset = self.entities.get(body["datasetId"])
        if dataset is None or dataset.kind not in ("view", "table"):
            raise error(400, "Invalid reflection: datasetId must reference an existing dataset", context=[])
        names = {f["name"].lower() for f in dataset.fields}
        types = {f["name"].lower(): f["type"]["name"] for f in dataset.fields}

        def field_names(list_key: str) -> list[str]:
            return [item.get("name", "") for item in body.get(list_key) or []]

        display, dimensions, measures = field_names("displayFields"), field_names("dimensionFields"), field_names("measureFields")
        for list_key, label in (("displayFields", "Display"), ("dimensionFields", "Dimension"), ("measureFields", "Measure"),
                                ("partitionFields", "Partition"), ("sortFields", "Sort"), ("distributionFields", "Distribution")):
            for name in field_names(list_key):
                if name.lower() not in names:
                    typo = "does exist" if list_key == "dimensionFields" else "does not exist"
                    raise error(400, f"Invalid reflection: {label} field contains a field name [{name}] that {typo} in the dataset", context=[])
        partition, sort = field_names("partitionFields"), field_names("sortFields")
        if len(set(partition)) != len(partition):
            raise error(400, "Invalid reflection: partition fields must not be repeated", context=[])
        if set(partition) & set(sort):
            raise error(400, "Invalid reflection: a field cannot be both a sort and a partition field", context=[])
        if kind == "RAW":
            if not display:
                raise error(400, "Invalid reflection: raw reflection must have at least one display field", context=[])
            if dimensions or measures:
                raise error(400, "Invalid reflection: raw reflection can not have dimension or measure fields", context=[])
            scope, label = set(display), "display"
        else:
            if display:
                raise error(400, "Invalid reflection: aggregation reflection can not have display fields", context=[])
            if not dimensions and not measures:
                raise error(400, "Invalid reflection: aggregation reflection must have at least one dimension or measure", context=[])
            scope, label = set(dimensions), "dimension"
        for name in partition + sort + field_names("distributionFields"):
            if name not in scope:
                raise error(400, f"Invalid reflection: partition, sort and distribution fields must be {label} fields ([{name}])", context=[])
        for measure in body.get("measureFields") or []:
            for measure_type in measure.get("measureTypeList") or []:
                if measure_type not in MEASURE_TYPES:
                    raise error(400, f"Invalid value found at: measureFields.measureTypeList ({measure_type})")
                if measure_type == "SUM" and types.get(measure["name"].lower()) not in NUMERIC:
                    raise error(400, f"Invalid reflection: measure type SUM does not suit column [{measure['name']}]", context=[])
        for dimension in body.get("dimensionFields") or []:
            if dimension.get("granularity", "DATE") not in ("DATE", "NORMAL"):
                raise error(400, "Invalid value found at: dimensionFields.granularity")
        strategy = body.get("partitionDistributionStrategy") or "CONSOLIDATED"
        if strategy not in ("CONSOLIDATED", "STRIPED"):
            raise error(400, "Invalid value found at: partitionDistributionStrategy")
        stored = {
            "type": kind, "name": body["name"], "datasetId": body["datasetId"], "enabled": bool(body["enabled"]),
            "arrowCachingEnabled": bool(body.get("arrowCachingEnabled") or False),
            "partitionDistributionStrategy": strategy,
        }
        for list_key in ("displayFields", "partitionFields", "sortFields", "distributionFields"):
            if body.get(list_key) is not None:
                stored[list_key] = [{"name": item["name"], **({"transform": item["transform"]} if item.get("transform") else {})} for item in body[list_key]]
        if body.get("dimensionFields") is not None:
            stored["dimensionFields"] = [{"name": d["name"], "granularity": d.get("granularity") or "DATE"} for d in body["dimensionFields"]]
        if body.get("measureFields") is not None:
            stored["measureFields"] = [{"name": m["name"], "measureTypeList": list(m.get("measureTypeList") or [])} for m in body["measureFields"]]
        return stored

    def _render_reflection(self, reflection: Reflection) -> dict[str, Any]:
        enabled = reflection.body["enabled"]
        status = {"config": "OK", "refresh": "SCHEDULED", "availability": "NONE",
                  "combinedStatus": "CANNOT_ACCELERATE_SCHEDULED" if enabled else "DISABLED",
                  "failureCount": 0, "lastDataFetch": NEVER, "expiresAt": NEVER}
        return {"id": reflection.id, "tag": reflection.tag, "createdAt": reflection.created_at,
                "updatedAt": reflection.updated_at, "currentSizeBytes": 0, "totalSizeBytes": 0, "status": status,
                "entityType": "reflection", **reflection.body}

    def get_reflection(self, reflection_id: str, **_: Any) -> Any:
        reflection = self.reflections.get(reflection_id)
        if reflection is None:
            raise error(404, f"reflection at with id [{reflection_id}] not found")
        return self._render_reflection(reflection)

    def update_reflection(self, reflection_id: str, *, body: Any, **_: Any) -> Any:
        reflection = self.reflections.get(reflection_id)
        if reflection is None:
            raise error(404, f"reflection at with id [{reflection_id}] not found")
        body = {**(body or {}), "id": reflection_id}
        if not body.get("tag"):
            raise error(400, "Invalid reflection: reflection version required", context=[])
        if body.get("type") != reflection.body["type"]:
            raise error(400, "Invalid reflection: Cannot change the type of an existing reflection", context=[])
        if body.get("datasetId") != reflection.body["datasetId"]:
            raise error(400, "Invalid reflection: Cannot change the dataset id of an existing reflection", context=[])
        if body["tag"] != reflection.tag:
            # A ConflictException: `errorMessage` only, no `moreInfo`.
            raise HttpError(409, {"errorMessage": "The reflection seems to have been modified by another flow. Please verify the reflection definition and retry."})
        stored = self._validated_reflection(body)
        if stored != reflection.body:
            reflection.body = stored
            reflection.tag = new_tag()
            reflection.updated_at = now()
        return self._render_reflection(reflection)

    def delete_reflection(self, reflection_id: str, **_: Any) -> Any:
        if self.reflections.pop(reflection_id, None) is None:
            raise error(404, f"reflection at with id [{reflection_id}] not found")
        return 200, None

    def list_reflections(self, dataset_id: str, **_: Any) -> Any:
        if dataset_id not in self.entities:
            raise error(404, f"dataset at with id [{dataset_id}] not found")
        return {"data": [self._render_reflection(r) for r in self.reflections.values() if r.body["datasetId"] == dataset_id]}

    # -- SQL jobs ------------------------------------------------------------------------------------------

    def run_sql(self, *, body: Any, **_: Any) -> Any:
        sql = (body or {}).get("sql") or ""
        job_id = str(uuid.uuid4())
        self.jobs[job_id] = {"sql": sql, "polls": 0}
        # ALTER SYSTEM SET "<option>" = <value>: the only statement whose effect the fake keeps.
        for text, message in self.sql_failures:
            if text in sql:
                self.jobs[job_id]["error"] = message
        option = re.fullmatch(r'\s*ALTER\s+SYSTEM\s+SET\s+"([^"]+)"\s*=\s*(true|false|\d+)\s*', sql, re.IGNORECASE)
        if option:
            name, value = option.group(1), option.group(2).lower()
            if name not in self.system_options:
                self.jobs[job_id]["error"] = f"VALIDATION ERROR: The option '{name}' does not exist."
            else:
                self.system_options[name] = value == "true" if value in ("true", "false") else int(value)
        return {"id": job_id}

    def get_job(self, job_id: str, **_: Any) -> Any:
        job = self.jobs.get(job_id)
        if job is None:
            raise error(404, f"Could not find a job with id [{job_id}]")
        job["polls"] += 1
        state = "RUNNING" if job["polls"] == 1 else "FAILED" if job.get("error") else "COMPLETED"
        message = job.get("error", "") if state == "FAILED" else ""
        return {"jobState": state, "rowCount": 0, "errorMessage": message, "startedAt": now(), "queryType": "REST", "cancellationReason": ""}

    def job_results(self, job_id: str, *, query: dict[str, list[str]] | None = None, **_: Any) -> Any:
        job = self.jobs.get(job_id)
        if job is None:
            raise error(404, f"Could not find a job with id [{job_id}]")
        if job["polls"] < 2:
            raise error(400, "Can not fetch details for a job that is in [RUNNING] state.", context=[])
        if re.search(r"\bas\s+failures\b", job["sql"] or "", re.IGNORECASE):
            # A dbt data test counts the rows that break it; the fake holds no data, so nothing does.
            row = {"failures": 0, "should_warn": False, "should_error": False}
            return {"rowCount": 1, "schema": [{"name": k, "type": {"name": "BIGINT" if k == "failures" else "BOOLEAN"}} for k in row], "rows": [row]}
        if re.search(r"\bsys\.jobs_recent\b", job["sql"] or "", re.IGNORECASE):
            query = query or {}
            offset, limit = int(query.get("offset", ["0"])[0]), int(query.get("limit", ["100"])[0])
            if limit > 500:
                raise error(400, "limit can not exceed 500 rows")
            rows = self.recent_jobs[offset : offset + limit]
            return {"rowCount": len(self.recent_jobs), "schema": [], "rows": rows}
        return {"rowCount": 0, "schema": [], "rows": []}


