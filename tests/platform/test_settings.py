"""Settings validation as plain Python: every bad setting gives an error naming the key, the value and the fix."""

from __future__ import annotations

import json

import pytest

from components.platform.settings import SettingsError, parse_settings
from components.platform.settings.loading import misspelt_namespaces
from components.platform.topology import PROFILES, Topology
from offline.graph import StackGraph, evaluate_stack


def problems_of(raw: dict[str, object]) -> list[str]:
    config = {key: value if isinstance(value, str) else json.dumps(value) for key, value in raw.items()}
    with pytest.raises(SettingsError) as caught:
        parse_settings(config, stack="test")
    assert "nothing was deployed" in str(caught.value)
    return caught.value.problems


def only_problem(raw: dict[str, object]) -> str:
    problems = problems_of(raw)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize("topology", list(Topology))
def test_each_topology_loads_its_profile(topology: Topology) -> None:
    raw = {"topology": str(topology)}
    if topology is Topology.PROD:
        raw["cluster"] = json.dumps({"zones": ["a", "b", "c"]})
    settings = parse_settings(raw, stack=str(topology))
    assert settings.topology is topology
    assert settings.services == PROFILES[topology].services


def test_unknown_top_level_key_is_an_error_with_a_suggestion() -> None:
    problem = only_problem({"topology": "dev", "storge_class": "ssd"})
    assert problem.startswith("data-platform:storge_class: unknown key 'storge_class'.")
    assert "Did you mean 'storage_class'?" in problem
    assert "pulumi config rm storge_class" in problem


def test_unknown_nested_keys_and_services_are_errors() -> None:
    problems = problems_of(
        {"topology": "dev", "services": {"dremio_exector": {"replicas": 2}, "dremio_executor": {"replica": 2}}}
    )
    assert len(problems) == 2, problems
    service, field = sorted(problems)
    assert "services.dremio_exector: unknown key 'dremio_exector'. Did you mean 'dremio_executor'?" in service
    assert "services.dremio_executor.replica: unknown key 'replica'. Did you mean 'replicas'?" in field
    assert "pulumi config rm --path 'services.dremio_executor.replica'" in field


def test_negative_replicas_names_key_value_and_fix() -> None:
    problem = only_problem({"topology": "staging", "services": {"postgresql": {"replicas": -1}}})
    assert problem == (
        "data-platform:services.postgresql.replicas = -1: Input should be greater than or equal to 1. "
        "Fix: `pulumi config set --path 'services.postgresql.replicas' 1`"
    )


def test_prod_with_fewer_than_three_zones_is_rejected() -> None:
    problem = only_problem({"topology": "prod", "cluster": {"zones": ["eu-west-1a", "eu-west-1b"]}})
    assert problem.startswith('data-platform:cluster.zones = ["eu-west-1a", "eu-west-1b"]:')
    assert "needs at least 3 zones" in problem
    assert "pulumi config set --path 'cluster.zones[0]'" in problem


def test_prod_without_zones_is_rejected() -> None:
    assert "needs at least 3 zones" in only_problem({"topology": "prod"})


def test_prod_hosts_must_divide_into_zones() -> None:
    problem = only_problem({"topology": "prod", "cluster": {"zones": ["a", "b", "c"], "host_count": 4}})
    assert problem == (
        "data-platform:cluster.host_count = 4: hosts must divide evenly into the 3 zones so that losing any "
        "zone loses the same capacity. Fix: `pulumi config set --path cluster.host_count 3`"
    )


def test_dev_is_a_single_host() -> None:
    problem = only_problem({"topology": "dev", "cluster": {"host_count": 2}})
    assert "cluster.host_count = 2: the dev topology runs on exactly 1 hosts" in problem


def test_staging_needs_two_hosts_to_survive_losing_one() -> None:
    problem = only_problem({"topology": "staging", "cluster": {"host_count": 1}})
    assert "cluster.host_count = 1: the staging topology runs on 2 to 3 hosts" in problem


def test_unknown_topology_lists_the_choices() -> None:
    problem = only_problem({"topology": "qa"})
    assert problem.startswith("data-platform:topology = 'qa': Input should be 'dev', 'staging' or 'prod'.")


def test_missing_topology_says_how_to_set_it() -> None:
    problem = only_problem({})
    assert problem == (
        "data-platform:topology: required but not set. Fix: `pulumi config set topology <dev|staging|prod>`"
    )


def test_limit_below_request_is_rejected() -> None:
    problem = only_problem({"topology": "dev", "services": {"grafana": {"memory_limit_mib": 32}}})
    assert problem == (
        "data-platform:services.grafana: memory_limit_mib (32) is below memory_request_mib (96); "
        "raise the limit or lower the request"
    )


def test_jvm_heap_must_fit_the_memory_limit() -> None:
    problem = only_problem({"topology": "dev", "services": {"elasticsearch": {"jvm_heap_mib": 1024}}})
    assert problem == (
        "data-platform:services.elasticsearch: jvm_heap_mib 1024 + 256 MiB JVM overhead = 1280 MiB does not fit in "
        "memory_limit_mib 1024 (the container would be OOM-killed). Fix: lower jvm_heap_mib to at most 768, or raise "
        "memory_limit_mib to at least 1280"
    )


def test_dremio_heap_and_direct_memory_must_fit_the_container() -> None:
    problem = only_problem({"topology": "dev", "services": {"dremio_coordinator": {"jvm_heap_mib": 4096}}})
    assert problem == (
        "data-platform:services.dremio_coordinator: jvm_heap_mib 4096 + jvm_direct_memory_mib 512 + 256 MiB JVM "
        "overhead = 4864 MiB does not fit in memory_limit_mib 2048 (the container would be OOM-killed). Fix: lower "
        "jvm_heap_mib to at most 1280, or raise memory_limit_mib to at least 4864"
    )


def test_an_executor_count_of_zero_is_refused_with_the_smallest_count() -> None:
    assert only_problem({"topology": "dev", "services": {"dremio_executor": {"replicas": 0}}}) == (
        "data-platform:services.dremio_executor.replicas = 0: Input should be greater than or equal to 1. "
        "Fix: `pulumi config set --path 'services.dremio_executor.replicas' 1`"
    )


@pytest.mark.parametrize("service", ["dremio_coordinator", "valkey"])
def test_a_single_instance_service_refuses_more_replicas(service: str) -> None:
    problem = only_problem({"topology": "staging", "services": {service: {"replicas": 2}}})
    assert problem.startswith(f"data-platform:services.{service}.replicas = 2: {service} runs exactly one instance by design (")
    assert problem.endswith(f"Fix: `pulumi config rm --path 'services.{service}.replicas'`")


@pytest.mark.parametrize("bucket", ["bronze", "silver", "gold", "logs", "backups"])
def test_a_dist_bucket_that_collides_with_a_lake_bucket_is_refused(bucket: str) -> None:
    assert only_problem({"topology": "dev", "processing": {"dist_bucket": bucket}}) == (
        f"data-platform:processing.dist_bucket = '{bucket}': '{bucket}' is one of the lake's buckets (bronze, silver, "
        "gold, logs, backups); Dremio's distributed storage needs a bucket of its own, so that its credential can write "
        "there and nowhere else. Fix: `pulumi config set --path processing.dist_bucket dremio`"
    )


@pytest.mark.parametrize(("key", "value"), [("dist_bucket", "Dremio_Dist"), ("dremio_image_digest", "sha256:abc")])
def test_malformed_processing_settings_are_refused(key: str, value: str) -> None:
    problem = only_problem({"topology": "dev", "processing": {key: value}})
    assert problem.startswith(f"data-platform:processing.{key} = '{value}': ")


def test_an_unpinned_dremio_image_is_warned_until_its_digest_is_set() -> None:
    (warning,) = parse_settings({"topology": "dev"}, stack="dev").warnings
    assert warning.startswith("data-platform:processing.dremio_image_digest is not set: Dremio runs as docker.io/dremio/dremio-oss:")
    assert "pulumi config set --path processing.dremio_image_digest $(crane digest docker.io/dremio/dremio-oss:" in warning
    pinned = {"topology": "dev", "processing": json.dumps({"dremio_image_digest": "sha256:" + "c" * 64})}
    assert parse_settings(pinned, stack="dev").warnings == ()


def test_sizes_must_match_the_service_kind() -> None:
    problems = problems_of(
        {
            "topology": "dev",
            "services": {"grafana": {"storage_gib": 5}, "log_agent": {"replicas": 3}, "postgresql": {"max_replicas": 4}},
        }
    )
    assert sorted(problems) == [
        "data-platform:services.grafana.storage_gib: grafana keeps no data of its own; remove storage_gib",
        "data-platform:services.log_agent.replicas = 3: log_agent runs one pod on every host; remove replicas",
        "data-platform:services.postgresql.max_replicas = 4: only stateless services are autoscaled; "
        "set max_replicas to 1 or remove it",
    ]


def test_a_single_value_where_an_object_belongs_says_how_to_set_one_key() -> None:
    assert only_problem({"topology": "dev", "services": "dremio"}) == (
        "data-platform:services = 'dremio': services holds an object keyed by service name, not a single value. "
        "Fix: set one value at a time, e.g. `pulumi config set --path 'services.dremio_coordinator.replicas' <value>`"
    )
    assert only_problem({"topology": "dev", "backups": "{retention: 3}"}).endswith(
        "backups holds an object, not a single value. Fix: set one value at a time, e.g. "
        "`pulumi config set --path 'backups.retention_days' <value>`"
    )


def test_booleans_never_pass_as_numbers() -> None:
    problems = problems_of(
        {"topology": "dev", "cluster": {"host_count": True}, "services": {"dbt": {"replicas": False}}, "backups": {"retention_days": True}}
    )
    assert sorted(problems) == [
        "data-platform:backups.retention_days = true: true is a boolean; give a whole number. "
        "Fix: `pulumi config set --path 'backups.retention_days' <value>`",
        "data-platform:cluster.host_count = true: true is a boolean; give a whole number. "
        "Fix: `pulumi config set --path 'cluster.host_count' <value>`",
        "data-platform:services.dbt.replicas = false: false is a boolean; give a whole number. "
        "Fix: `pulumi config set --path 'services.dbt.replicas' <value>`",
    ]


@pytest.mark.parametrize(
    ("cluster", "expected"),
    [
        ({"host_memory_mib": 99_999_999_999_999}, "cluster.host_memory_mib = 99999999999999: Input should be less than or equal to 4194304"),
        ({"host_cpu_millis": 10**9}, "cluster.host_cpu_millis = 1000000000: Input should be less than or equal to 1024000"),
        ({"host_count": 5000}, "cluster.host_count = 5000: Input should be less than or equal to 1000"),
    ],
)
def test_host_sizes_have_sane_bounds(cluster: dict, expected: str) -> None:
    assert expected in only_problem({"topology": "dev", "cluster": cluster})


def test_settings_for_services_this_stack_does_not_run_are_refused() -> None:
    problems = problems_of({"topology": "dev", "services": {"seaweedfs_master": {"replicas": 3}, "grafana": {"volumes_per_replica": 2}}})
    assert sorted(problems) == [
        "data-platform:services.grafana.volumes_per_replica = 2: grafana has one data volume per member (only "
        "object-storage drives are counted), so the setting would be ignored. "
        "Fix: `pulumi config rm --path 'services.grafana.volumes_per_replica'`",
        "data-platform:services.seaweedfs_master: seaweedfs_master runs only with object_storage.backend seaweedfs, "
        "and this stack uses minio, so the setting would be ignored. Fix: `pulumi config rm --path 'services.seaweedfs_master'`",
    ]


def test_duplicate_zones_name_the_key_and_the_fix() -> None:
    assert only_problem({"topology": "prod", "cluster": {"zones": ["a", "b", "a"]}}) == (
        'data-platform:cluster.zones = ["a", "b", "a"]: a listed more than once; each zone counts once. '
        "Fix: list every zone once, e.g. `pulumi config set --path 'cluster.zones[2]' eu-west-1c`"
    )


def test_problems_in_different_groups_are_reported_together() -> None:
    problems = problems_of(
        {"topology": "dev", "services": {"dbt": {"replicas": 0}}, "object_storage": {"backend": "external", "external_endpoint": "https://s3.example.com"}}
    )
    assert len(problems) == 3, problems
    assert any("services.dbt.replicas = 0" in p for p in problems)
    assert sum("required with object_storage.backend external" in p for p in problems) == 2


def test_keys_under_a_misspelt_namespace_are_named_as_ignored() -> None:
    keys = ["data_platform:topology", "data-platform:cluster", "kubernetes:context", "lakehouse:dremio_url", "dataplatfrom:x"]
    warnings = misspelt_namespaces(keys, "data-platform")
    assert [w.split(":")[0] for w in warnings] == ["data_platform", "dataplatfrom"]
    assert "1 key(s) (topology) are in namespace 'data_platform', which this program does not read, so they are ignored" in warnings[0]
    assert "Did you mean 'data-platform'?" in warnings[0]


def test_a_misspelt_namespace_is_named_when_the_stack_fails_for_it() -> None:
    recorded = StackGraph(stack="dev")
    with pytest.raises(SettingsError) as caught:
        evaluate_stack("dev", config={"data_platform:topology": "dev"}, into=recorded)
    message = str(caught.value)
    assert "data-platform:topology: required but not set" in message
    assert "namespace 'data_platform', which this program does not read" in message


@pytest.mark.parametrize(("topology", "warned"), [("dev", False), ("staging", True), ("prod", True)])
def test_minio_outside_dev_warns_that_its_image_gets_no_fixes(topology: str, warned: bool) -> None:
    raw = {
        "topology": topology,
        "processing": json.dumps({"dremio_image_digest": "sha256:" + "c" * 64}),
        "observability": json.dumps({"kibana_image_digest": "sha256:" + "d" * 64}),
        **({"cluster": json.dumps({"zones": ["a", "b", "c"]})} if topology == "prod" else {}),
    }
    warnings = parse_settings(raw, stack=topology).warnings
    assert any("MinIO community image is frozen upstream" in w and "seaweedfs" in w and "external" in w for w in warnings) == warned
    raw["object_storage"] = json.dumps({"backend": "seaweedfs"})
    assert parse_settings(raw, stack=topology).warnings == ()


def test_an_open_api_server_range_is_accepted_only_when_set_and_then_warned() -> None:
    assert parse_settings({"topology": "dev"}, stack="dev").config.kubernetes_api_cidrs is None
    settings = parse_settings({"topology": "dev", "kubernetes_api_cidrs": json.dumps(["0.0.0.0/0"])}, stack="dev")
    assert any("reach and be reached from any address" in w for w in settings.warnings)


def test_names_that_kubernetes_would_reject_are_caught_early() -> None:
    problems = problems_of(
        {"topology": "dev", "storage_class": "Fast_SSD", "namespace_prefix": "-dp", "kubernetes_api_cidrs": ["10.0.0.1/8"]}
    )
    joined = "\n".join(problems)
    assert "storage_class = 'Fast_SSD': a StorageClass name is a lower-case DNS subdomain" in joined
    assert "namespace_prefix = '-dp': use 1-50 lower-case letters" in joined
    assert 'kubernetes_api_cidrs = ["10.0.0.1/8"]: \'10.0.0.1/8\' is not a CIDR block' in joined


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        {"topology": "dev", "services": {"dbt": {"replicas": 0, "cpu_request_millis": -5}}, "typo": "x"}
    )
    assert len(problems) == 3, problems


def test_overrides_change_only_the_named_numbers() -> None:
    raw = {"topology": "staging", "services": json.dumps({"dremio_executor": {"replicas": 3}})}
    settings = parse_settings(raw, stack="staging")
    base = PROFILES[Topology.STAGING]
    assert settings.services["dremio_executor"].replicas == 3
    assert settings.services["dremio_executor"].memory_request_mib == base.services["dremio_executor"].memory_request_mib
    others = {name: size for name, size in settings.services.items() if name != "dremio_executor"}
    assert others == {name: size for name, size in base.services.items() if name != "dremio_executor"}


def test_cluster_overrides_merge_onto_the_profile() -> None:
    raw = {"topology": "prod", "cluster": json.dumps({"zones": ["a", "b", "c"], "host_memory_mib": 65536})}
    cluster = parse_settings(raw, stack="prod").cluster
    assert (cluster.host_memory_mib, cluster.host_count, cluster.zones) == (65536, 9, ("a", "b", "c"))


# --- object storage, backups and secret settings --------------------------------------------------------------

EXTERNAL = {"backend": "external", "external_endpoint": "https://s3.eu-west-1.amazonaws.com"}
CREDENTIALS = {"object_storage_access_key": "AKIAEXAMPLE", "object_storage_secret_key": "not-shown-anywhere"}


def test_external_backend_takes_its_credentials_from_secret_config() -> None:
    raw = {"topology": "dev", "object_storage": json.dumps(EXTERNAL), **CREDENTIALS}
    settings = parse_settings(raw, stack="dev", secret_keys=set(CREDENTIALS))
    assert settings.config.object_storage.backend == "external"
    assert settings.secret_keys_set == frozenset(CREDENTIALS)
    assert [s.name for s in settings.active_services if s.backend] == []


def test_credentials_in_plain_text_are_refused_without_showing_them() -> None:
    raw = {"topology": "dev", "object_storage": json.dumps(EXTERNAL), **CREDENTIALS}
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw, stack="dev", secret_keys={"object_storage_access_key"})
    message = str(caught.value)
    assert "object_storage_secret_key: holds a credential but is stored in plain text" in message
    assert "pulumi config set --secret object_storage_secret_key <value>" in message
    assert CREDENTIALS["object_storage_secret_key"] not in message


def test_external_backend_needs_endpoint_and_both_credentials() -> None:
    problems = problems_of({"topology": "dev", "object_storage": {"backend": "external"}})
    assert problems == [
        "data-platform:object_storage: backend 'external' needs external_endpoint. "
        "Fix: `pulumi config set --path object_storage.external_endpoint https://<host>`"
    ]
    with pytest.raises(SettingsError) as caught:
        parse_settings({"topology": "dev", "object_storage": json.dumps(EXTERNAL)}, stack="dev")
    assert len(caught.value.problems) == 2
    assert all("required with object_storage.backend external" in p for p in caught.value.problems)


def test_settings_for_another_backend_are_not_silently_ignored() -> None:
    problem = only_problem({"topology": "dev", "object_storage": {"external_endpoint": "https://s3.example.com"}})
    assert "external_endpoint is only used with backend 'external', not 'minio'" in problem
    with pytest.raises(SettingsError) as caught:
        parse_settings({"topology": "dev", **CREDENTIALS}, stack="dev", secret_keys=set(CREDENTIALS))
    assert all("only used with object_storage.backend external" in p for p in caught.value.problems)


@pytest.mark.parametrize(
    ("object_storage", "expected"),
    [
        ({"region": "moon-1"}, "object_storage.region = 'moon-1': use an S3 region name"),
        ({"bucket_prefix": "Acme_"}, "object_storage.bucket_prefix = 'Acme_': use lower-case letters"),
        ({"backend": "ceph"}, "object_storage.backend = 'ceph': Input should be 'minio', 'seaweedfs' or 'external'"),
        ({**EXTERNAL, "external_endpoint": "s3.amazonaws.com"}, "give the endpoint as scheme://host[:port]"),
        ({"console_service_type": "Ingress"}, "object_storage.console_service_type = 'Ingress'"),
    ],
)
def test_object_storage_values_are_checked(object_storage: dict, expected: str) -> None:
    assert expected in "\n".join(problems_of({"topology": "dev", "object_storage": object_storage}))


def test_backup_settings_are_bounded() -> None:
    problems = problems_of({"topology": "dev", "backups": {"retention_days": 0, "base_backup_hour_utc": 24}})
    assert len(problems) == 2
    assert any("backups.retention_days = 0: Input should be greater than or equal to 1" in p for p in problems)
    assert any("backups.base_backup_hour_utc = 24: Input should be less than or equal to 23" in p for p in problems)


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        ("30 2 * *", "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), this one has 4"),
        ("61 2 * * *", "the minute field '61' is outside 0-59"),
        ("30 2 * * mon", "the day of week field 'mon' is not a number, a range, a list, `*` or a step such as `*/15`"),
        ("*/0 * * * *", "the minute field '*/0' is not a number, a range, a list, `*` or a step such as `*/15`"),
    ],
)
def test_an_invalid_dbt_schedule_is_refused(schedule: str, reason: str) -> None:
    assert only_problem({"topology": "dev", "dbt": {"schedule": schedule}}) == (
        f"data-platform:dbt.schedule = '{schedule}': {reason}. Fix: `pulumi config set --path dbt.schedule '30 2 * * *'` (02:30 UTC daily)"
    )


@pytest.mark.parametrize("schedule", ["30 2 * * *", "0 */6 * * 1-5", "15,45 1 1 1,7 0"])
def test_valid_dbt_schedules_pass(schedule: str) -> None:
    assert parse_settings({"topology": "dev", "dbt": json.dumps({"schedule": schedule})}, stack="dev").config.dbt.schedule == schedule


@pytest.mark.parametrize("registry", ["acme/images", "https://ghcr.io/acme", "/data-platform", "Ghcr.io/Acme"])
def test_a_registry_without_a_host_is_refused(registry: str) -> None:
    problem = only_problem({"topology": "dev", "images": {"registry": registry}})
    assert problem.startswith(f"data-platform:images.registry = '{registry}': give the registry's host")
    assert problem.endswith("Fix: `pulumi config set --path images.registry ghcr.io/<org>/data-platform`")


def test_a_supplied_image_without_a_digest_is_refused() -> None:
    problem = only_problem({"topology": "dev", "images": {"dbt": "ghcr.io/acme/dbt:1.0"}})
    assert problem.startswith("data-platform:images.dbt = 'ghcr.io/acme/dbt:1.0': name the image by digest")


def test_a_registry_user_needs_its_secret_password() -> None:
    problem = only_problem({"topology": "dev", "images": {"registry": "ghcr.io/acme", "registry_username": "robot"}})
    assert problem == (
        "data-platform:images_registry_password: required with images.registry_username. "
        "Fix: `pulumi config set --secret images_registry_password <value>`"
    )


@pytest.mark.parametrize(("topology", "expected"), [("dev", True), ("staging", False)])
def test_sample_data_defaults_by_topology_and_can_be_set(topology: str, expected: bool) -> None:
    assert parse_settings({"topology": topology}, stack=topology).sample_data is expected
    raw = {"topology": topology, "lakehouse": json.dumps({"sample_data": not expected})}
    assert parse_settings(raw, stack=topology).sample_data is (not expected)


def test_prod_refuses_a_valkey_without_persistence() -> None:
    raw = {"topology": "prod", "cluster": {"zones": ["a", "b", "c"]}, "superset": {"valkey_persistence": False}}
    assert only_problem(raw) == (
        "data-platform:superset.valkey_persistence = false: prod keeps Valkey's data across restarts, or a restart drops "
        "every queued async query and report. Fix: `pulumi config rm --path superset.valkey_persistence`"
    )


def test_an_autoscaler_maximum_below_its_minimum_is_refused() -> None:
    raw = {"topology": "prod", "cluster": {"zones": ["a", "b", "c"]}, "services": {"superset_web": {"max_replicas": 2}}}
    assert only_problem(raw) == (
        "data-platform:services.superset_web: max_replicas (2) is below replicas (3); set max_replicas to at least replicas"
    )


@pytest.mark.parametrize(("topology", "expected"), [("dev", False), ("staging", True)])
def test_valkey_persistence_defaults_by_topology(topology: str, expected: bool) -> None:
    assert parse_settings({"topology": topology}, stack=topology).valkey_persistence is expected


@pytest.mark.parametrize(("topology", "warned"), [("dev", False), ("staging", True)])
def test_kibana_without_a_digest_warns_where_kibana_runs(topology: str, warned: bool) -> None:
    raw = {"topology": topology, "processing": json.dumps({"dremio_image_digest": "sha256:" + "c" * 64})}
    warnings = parse_settings(raw, stack=topology).warnings
    assert any("observability.kibana_image_digest is not set" in w and "crane digest" in w for w in warnings) == warned
    raw["observability"] = json.dumps({"kibana": False})
    assert not any("kibana_image_digest" in w for w in parse_settings(raw, stack=topology).warnings)


def test_a_receiver_without_its_pieces_is_refused_naming_the_key() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings({"topology": "dev", "alerting": json.dumps({"email_to": ["oncall@example.com"]})}, stack="dev")
    assert "alerting.smtp_smarthost" in str(caught.value)
    with pytest.raises(SettingsError) as caught:
        parse_settings({"topology": "dev", "alerting": json.dumps({"slack_channel": "#alerts"})}, stack="dev")
    message = str(caught.value)
    assert "alerting.egress_cidrs" in message
    with pytest.raises(SettingsError) as caught:
        parse_settings(
            {"topology": "dev", "alerting": json.dumps({"slack_channel": "#alerts", "egress_cidrs": ["203.0.113.0/24"]})}, stack="dev"
        )
    assert "alerting_slack_webhook: required with alerting.slack_channel" in str(caught.value)


def test_existing_operators_are_not_installed_or_counted() -> None:
    settings = parse_settings({"topology": "dev", "operators": json.dumps({"existing": {"eck": True, "cert_manager": True}})}, stack="dev")
    names = {spec.name for spec in settings.active_services}
    assert "eck_operator" not in names and "cert_manager" not in names and "cnpg_operator" in names
