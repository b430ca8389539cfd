"""Logs into Elasticsearch: Fluent Bit's values per topology, its Lua filter run by LuaJIT (the Lua Fluent Bit
embeds), and the two Jobs' scripts run for real against a fake Elasticsearch over HTTPS."""

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from lupa import luajit21

from components.layers.observability.logging import SCRIPTS
from components.platform.catalog import Zone
from offline.graph import unwrap_secrets
from tests.support.fake_elasticsearch import FakeElasticsearch
from tests.support.lookup import find
from tests.support.stacks import STACKS, shipped_settings, stack_graph, stack_manifests

SHIPPER = ("log_shipper", "shipper-password-1")


def fluent_bit(stack: str) -> dict:
    (release,) = [r for r in stack_graph(stack).resources if r.name == "observability-logs-fluent-bit"]
    return unwrap_secrets(release.inputs)


def sections(text: str) -> list[dict[str, str]]:
    """Fluent Bit's classic configuration as a list of {key: value} sections (with `_section`)."""
    result: list[dict[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            result.append({"_section": line.strip("[]")})
        elif line:
            key, _, value = line.partition(" ")
            result[-1][key] = value.strip()
    return result


@pytest.mark.parametrize("stack", STACKS)
def test_fluent_bit_ships_every_container_log_over_verified_tls_as_the_log_shipper(stack: str) -> None:
    release = fluent_bit(stack)
    settings = shipped_settings(stack)
    assert (release["chart"], release["version"]) == ("fluent-bit", "0.58.1")
    assert release["namespace"] == settings.namespace(Zone.NODE_AGENTS)
    values = release["values"]
    assert values["kind"] == "DaemonSet"
    (tail,) = sections(values["config"]["inputs"])
    assert tail["Name"] == "tail" and tail["Path"] == "/var/log/containers/*.log" and "cri" in tail["multiline.parser"]
    kubernetes, lua = sections(values["config"]["filters"])
    assert kubernetes["Name"] == "kubernetes" and kubernetes["Merge_Log"] == "On", "JSON lines become fields"
    assert (lua["Name"], lua["call"]) == ("lua", "set_index")
    (output,) = sections(values["config"]["outputs"])
    assert output["Name"] == "es" and output["Host"].startswith("elasticsearch-es-http.")
    assert (output["tls"], output["tls.verify"]) == ("On", "On") and output["tls.ca_file"].endswith("/ca.crt")
    assert (output["HTTP_User"], output["HTTP_Passwd"]) == ("${ES_USER}", "${ES_PASSWORD}")
    assert output["Logstash_Format"] == "On" and output["Logstash_Prefix_Key"] == "$log_index"
    assert output["Logstash_DateFormat"] == "%Y.%m.%d"
    env = {item["name"]: item for item in values["env"]}
    assert set(env) == {"ES_USER", "ES_PASSWORD"}
    assert all("value" not in item and item["valueFrom"]["secretKeyRef"]["name"].startswith("storage-elasticsearch-log-shipper")
               for item in env.values())
    assert values["securityContext"]["readOnlyRootFilesystem"] is True
    assert values["securityContext"]["capabilities"]["drop"] == ["ALL"]


def run_lua(record: dict) -> dict:
    lua = luajit21.LuaRuntime(unpack_returned_tuples=True)
    lua.execute((SCRIPTS / "log-index.lua").read_text())

    def table(value: object) -> object:
        return lua.table_from({k: table(v) for k, v in value.items()}) if isinstance(value, dict) else value

    code, timestamp, result = lua.globals().set_index("kube.x", 1.5, table(record))
    assert (code, timestamp) == (2, 1.5), "2: the record was modified, timestamp kept"
    return {key: result[key] for key in result}


@pytest.mark.parametrize(
    ("record", "index"),
    [
        ({"kubernetes": {"labels": {"app.kubernetes.io/name": "superset"}, "container_name": "statsd-exporter"}}, "logs-superset"),
        ({"kubernetes": {"labels": {"dataplatform.io/service": "dremio_coordinator", "app.kubernetes.io/name": "dremio"}}}, "logs-dremio_coordinator"),
        ({"kubernetes": {"labels": {"app": "Fluent.Bit"}}}, "logs-fluent-bit"),
        ({"kubernetes": {"container_name": "ES Exporter"}}, "logs-es-exporter"),
        ({"log": "no metadata"}, "logs-unknown"),
    ],
)
def test_the_lua_filter_names_a_lower_case_index_per_service(record: dict, index: str) -> None:
    assert run_lua(record)["log_index"] == index


@pytest.fixture
def elasticsearch(tmp_path: Path) -> Iterator[FakeElasticsearch]:
    fake = FakeElasticsearch(tmp_path, users=dict([SHIPPER, ("jaeger", "jaeger-password-1")]))
    yield fake
    fake.stop()


def run_script(name: str, elasticsearch: FakeElasticsearch, tmp_path: Path, user: tuple[str, str], **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "username").write_text(user[0])
    (tmp_path / "password").write_text(user[1])
    return subprocess.run(
        ["sh", str(SCRIPTS / name)],
        env={"PATH": "/usr/bin:/bin", "ES_URL": elasticsearch.url, "ES_CA": str(elasticsearch.ca),
             "ES_USER_FILE": str(tmp_path / "username"), "ES_PASSWORD_FILE": str(tmp_path / "password"), **env},
        capture_output=True, text=True, timeout=60, check=False,
    )


def setup_job_env(stack: str) -> dict[str, str]:
    (job,) = [j for j in find(stack_manifests(stack), "Job") if j["metadata"]["name"].startswith("observability-logs-setup")]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item["value"] for item in container["env"] if "value" in item}


@pytest.mark.parametrize("stack", STACKS)
def test_the_setup_job_registers_the_retention_policy_and_template_of_its_stack(
    stack: str, elasticsearch: FakeElasticsearch, tmp_path: Path
) -> None:
    env = setup_job_env(stack)
    assert env["RETENTION_DAYS"] == "30"
    result = run_script("log-setup.sh", elasticsearch, tmp_path, SHIPPER, RETENTION_DAYS=env["RETENTION_DAYS"], REPLICAS=env["REPLICAS"])
    assert result.returncode == 0, result.stdout + result.stderr
    policy = elasticsearch.policies["logs-retention"]
    assert policy["phases"]["delete"] == {"min_age": "30d", "actions": {"delete": {}}}
    template = elasticsearch.templates["logs-platform"]
    assert template["index_patterns"] == ["logs-*"] and template["priority"] > 100
    settings = template["template"]["settings"]
    assert settings["index.lifecycle.name"] == "logs-retention"
    assert settings["index.number_of_replicas"] == (0 if stack == "dev" else 1)
    assert {user for user, _, _ in elasticsearch.requests} == {"log_shipper"}


def test_the_setup_job_fails_loudly_when_elasticsearch_refuses_its_user(elasticsearch: FakeElasticsearch, tmp_path: Path) -> None:
    result = run_script("log-setup.sh", elasticsearch, tmp_path, ("log_shipper", "wrong"), RETENTION_DAYS="30", REPLICAS="1")
    assert result.returncode != 0 and not elasticsearch.policies


def test_a_changed_retention_reaches_the_setup_job() -> None:
    settings = shipped_settings("dev", logging={"retention_days": 7})
    assert settings.config.logging.retention_days == 7


def test_the_trace_cleaner_deletes_only_indices_older_than_the_retention(elasticsearch: FakeElasticsearch, tmp_path: Path) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    days = {age: (today - datetime.timedelta(days=age)).isoformat() for age in (0, 6, 8, 30)}
    elasticsearch.indices = {f"jaeger-{kind}-{day}" for kind in ("span", "service") for day in days.values()} | {"jaeger-sampling"}
    result = run_script("trace-cleaner.sh", elasticsearch, tmp_path, ("jaeger", "jaeger-password-1"), RETENTION_DAYS="7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert elasticsearch.indices == {f"jaeger-{kind}-{days[age]}" for kind in ("span", "service") for age in (0, 6)} | {"jaeger-sampling"}
    assert "deleted 4 index(es)" in result.stdout
