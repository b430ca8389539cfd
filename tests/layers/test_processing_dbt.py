"""The dbt project's objects under mocks, per topology: the image, the nightly CronJob, the deploy-time Job, the exporter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from components.layers.processing.dbt import DBT_IMAGE
from components.platform.images import content_hash
from offline.graph import evaluate_stack, unwrap_secrets
from offline.manifests import kubernetes_manifests
from tests.support.lookup import find
from tests.support.stacks import PROJECT_ROOT, STACKS, shipped_settings, stack_config, stack_graph, stack_manifests

HASH = content_hash(("images/dbt", *DBT_IMAGE.inputs))


def dbt_pods(stack: str) -> tuple[dict, dict, dict]:
    manifests = stack_manifests(stack)
    (cron,) = [c for c in find(manifests, "CronJob") if c["metadata"]["name"].startswith("processing-dbt-nightly")]
    (job,) = [j for j in find(manifests, "Job") if j["metadata"]["name"].startswith("dbt-build-")]
    (exporter,) = [d for d in find(manifests, "Deployment") if d["metadata"]["name"].startswith("processing-dbt-exporter")]
    return cron, job, exporter


def env(container: dict) -> dict[str, str]:
    return {v["name"]: v["value"] for v in container.get("env") or []}


@pytest.mark.parametrize("stack", STACKS)
def test_the_image_is_built_from_images_dbt_and_tagged_by_the_project_hash(stack: str) -> None:
    graph = stack_graph(stack)
    (image,) = [r for r in graph.of_type("docker-build:index:Image") if r.name == "processing-dbt-image"]
    inputs = unwrap_secrets(image.inputs)
    registry = shipped_settings(stack).config.images.registry
    assert inputs["tags"] == [f"{registry}/dbt:{HASH}"]
    assert inputs["push"] is True and inputs["buildOnPreview"] is False
    assert inputs["context"] == {"location": "."} and inputs["dockerfile"] == {"location": "images/dbt/Dockerfile"}
    cron, job, exporter = dbt_pods(stack)
    for pod in (cron["spec"]["jobTemplate"]["spec"]["template"], job["spec"]["template"], exporter["spec"]["template"]):
        (container,) = pod["spec"]["containers"]
        assert container["image"] == image.state["ref"] and container["image"].startswith(f"{registry}/dbt:{HASH}@sha256:")


def test_a_supplied_image_builds_nothing() -> None:
    supplied = "ghcr.io/acme/dbt:1.0@sha256:" + "e" * 64
    config, secret_keys = stack_config("staging", images={"registry": "registry.example.com/data-platform", "dbt": supplied})
    graph = evaluate_stack("staging", config=config, secret_keys=secret_keys)
    assert [r.name for r in graph.of_type("docker-build:index:Image")] == ["presentation-image"]
    dbt_workloads = [m.document for m in kubernetes_manifests(graph)
                     if m.kind in ("CronJob", "Job", "Deployment") and "dbt" in m.name]
    assert len(dbt_workloads) == 3
    assert {c["image"] for document in dbt_workloads for c in _containers(document)} == {supplied}


def _containers(document: dict) -> list[dict]:
    spec = document["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if "jobTemplate" in spec else spec["template"]
    return template["spec"]["containers"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_nightly_run_per_topology(stack: str) -> None:
    settings = shipped_settings(stack)
    cron, _, _ = dbt_pods(stack)
    assert cron["spec"]["schedule"] == "30 2 * * *" and cron["spec"]["timeZone"] == "Etc/UTC"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert (cron["spec"]["successfulJobsHistoryLimit"], cron["spec"]["failedJobsHistoryLimit"]) == (3, 3)
    job_spec = cron["spec"]["jobTemplate"]["spec"]
    assert job_spec["activeDeadlineSeconds"] == settings.config.dbt.timeout_minutes * 60 and job_spec["backoffLimit"] == 0
    (container,) = job_spec["template"]["spec"]["containers"]
    size = settings.services["dbt"]
    assert container["resources"] == {
        "requests": {"cpu": f"{size.cpu_request_millis}m", "memory": f"{size.memory_request_mib}Mi"},
        "limits": {"cpu": f"{size.cpu_limit_millis}m", "memory": f"{size.memory_limit_mib}Mi"},
    }
    values = env(container)
    assert container["args"] == ["build"] and values["RUN_KIND"] == "nightly"
    assert values["SAMPLE_DATA"] == ("true" if stack == "dev" else "false")
    assert values["DREMIO_HOST"] == "dremio.dp-processing.svc.cluster.local" and values["DREMIO_USE_SSL"] == "true"
    assert values["REQUESTS_CA_BUNDLE"] == "/ca/ca.crt"
    assert (values["LAKE_BRONZE"], values["LAKE_SILVER"], values["LAKE_GOLD"], values["LOGS_BUCKET"]) == ("bronze", "silver", "gold", "logs")


@pytest.mark.parametrize("stack", STACKS)
def test_every_credential_comes_from_a_mounted_secret(stack: str) -> None:
    manifests = stack_manifests(stack)
    secrets = {m.name: set(m.document["stringData"]) for m in manifests if m.kind == "Secret" and m.namespace == "dp-processing"}
    cron, job, exporter = dbt_pods(stack)
    expected_keys = {
        "dremio": {"username", "password"},
        "lake": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT", "S3_REGION"},
        "artifacts": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT", "S3_REGION"},
        "database": {"username", "password", "host", "port", "database"},
    }
    for pod in (cron["spec"]["jobTemplate"]["spec"]["template"], job["spec"]["template"]):
        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        for name, keys in expected_keys.items():
            assert keys <= secrets[volumes[name]["secret"]["secretName"]], name
        (container,) = pod["spec"]["containers"]
        assert not any("valueFrom" in variable for variable in container["env"])
        assert volumes["ca"]["configMap"]["name"] == "platform-ca"
    exporter_volumes = {v["name"]: v for v in exporter["spec"]["template"]["spec"]["volumes"]}
    assert expected_keys["database"] <= secrets[exporter_volumes["database"]["secret"]["secretName"]]


def test_the_deploy_time_job_carries_the_hash_and_waits_for_dremio() -> None:
    graph = stack_graph("dev")
    (job,) = [r for r in graph.resources if r.name == "processing-dbt-deploy"]
    setup = next(r for r in graph.resources if r.name == "processing-maintenance-setup")
    assert setup.urn in job.dependencies
    inputs = unwrap_secrets(job.inputs)
    assert inputs["metadata"]["name"] == f"dbt-build-{HASH}"
    (container,) = inputs["spec"]["template"]["spec"]["containers"]
    assert env(container)["RUN_KIND"] == "deploy"


def test_the_project_hash_changes_when_and_only_when_a_project_file_changes(tmp_path: Path) -> None:
    for folder in ("images/dbt", "lakehouse/dbt"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("target", "__pycache__", "logs"))
    inputs = ("images/dbt", "lakehouse/dbt")
    original = content_hash(inputs, tmp_path)
    assert original == HASH, "the copy hashes like the repository"
    # Build output, logs and caches do not go into the image: no change.
    (tmp_path / "lakehouse/dbt/target").mkdir()
    (tmp_path / "lakehouse/dbt/target/manifest.json").write_text("{}")
    (tmp_path / "lakehouse/dbt/logs").mkdir()
    (tmp_path / "lakehouse/dbt/logs/dbt.log").write_text("x")
    assert content_hash(inputs, tmp_path) == original
    # A model changes: a new hash, so a new image tag and a new deploy-time Job.
    model = tmp_path / "lakehouse/dbt/models/marts/fct_customer_lifetime_value.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    changed = content_hash(inputs, tmp_path)
    assert changed != original
    # A new file counts too, and so does the runner.
    (tmp_path / "lakehouse/dbt/models/marts/new_model.sql").write_text("select 1 as one")
    assert content_hash(inputs, tmp_path) not in (original, changed)


def test_the_exporter_serves_metrics_on_the_catalogs_port() -> None:
    _, _, exporter = dbt_pods("prod")
    (container,) = exporter["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["exporter"]
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"metrics": 9102}
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert exporter["spec"]["replicas"] == 1


def test_the_exporter_asks_dremio_for_slow_queries_with_the_stacks_threshold() -> None:
    _, _, exporter = dbt_pods("dev")
    (container,) = exporter["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["DREMIO_SLOW_QUERY_SECONDS"] == "30" and env["DREMIO_USE_SSL"] == "true"
    assert env["REQUESTS_CA_BUNDLE"].startswith("/ca/")
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert mounts["dremio"] == env["DREMIO_CREDENTIALS_DIR"] and all(m.get("readOnly") for m in container["volumeMounts"] if m["name"] != "tmp")


def test_the_stack_output_names_the_image_schedule_and_job() -> None:
    output = unwrap_secrets(stack_graph("dev").outputs["processing"])["dbt"]
    assert output["schedule_utc"] == "30 2 * * *" and output["deploy_job"] == f"dbt-build-{HASH}"
    assert output["image"].startswith(f"localhost:5000/data-platform/dbt:{HASH}@sha256:")
