"""Composition root of the data platform: settings, start-up checks, layers, stack outputs.

Settings are validated and the start-up checks run before any resource is declared, so a bad
configuration fails with a readable message and an empty preview. Each layer is a ComponentResource
under `components/layers/`; layers never import each other, and what one needs from another is passed
here, as the types of `components/platform/contracts.py`.
"""

import pulumi

from components.layers.backups.layer import Backups, BackupsArgs
from components.layers.certificates import Certificates, CertificatesArgs
from components.layers.edge import Edge, EdgeArgs
from components.layers.ingestion.layer import Ingestion, IngestionArgs
from components.layers.ingestion.values import TEMPORAL_DATABASES
from components.layers.network import NetworkZones, NetworkZonesArgs
from components.layers.observability.layer import Observability, ObservabilityArgs
from components.layers.operators import Operators, OperatorsArgs
from components.layers.presentation.layer import Presentation, PresentationArgs
from components.layers.processing.layer import Processing, ProcessingArgs
from components.layers.storage.layer import Storage, StorageArgs
from components.layers.wiring.layer import Wiring, WiringArgs
from components.layers.wiring.plan import Handover
from components.platform import checks, versions
from components.platform.catalog import Feature, ObjectStorageBackend, Zone
from components.platform.contracts import DatabaseGrant, S3Credentials, S3Grant, SearchGrant, ServiceApi
from components.platform.settings import load_settings, secret_setting
from lakehouse.semantic import SEMANTIC

settings = load_settings()
for warning in settings.warnings:
    pulumi.log.warn(warning)
startup = checks.run(settings, SEMANTIC)

network = NetworkZones("network", NetworkZonesArgs(settings=settings))
operators = Operators("operators", OperatorsArgs(settings=settings, namespaces=network.namespaces))
certificates = Certificates(
    "certificates",
    CertificatesArgs(settings=settings, namespaces=network.namespaces, cert_manager=operators.ready[versions.CERT_MANAGER.release]),
)
dist_bucket = settings.config.processing.dist_bucket
storage = Storage(
    "storage",
    StorageArgs(
        settings=settings,
        namespaces=network.namespaces,
        placement=startup.availability.storage,
        postgresql_operator=[operators.ready[versions.CLOUDNATIVE_PG.release], operators.ready[versions.BARMAN_CLOUD_PLUGIN.release]],
        elasticsearch_operator=[operators.ready[versions.ECK_OPERATOR.release]],
        s3_grants=[
            S3Grant(consumer="airbyte", zone=Zone.INGESTION, reads=("bronze", "logs"), writes=("bronze", "logs")),
            S3Grant(
                consumer="dremio",
                zone=Zone.PROCESSING,
                reads=("bronze", "silver", "gold", dist_bucket),
                writes=("silver", "gold", dist_bucket),
            ),
            S3Grant(consumer="dremio-backups", zone=Zone.PROCESSING, reads=("backups",), writes=("backups",)),
            S3Grant(consumer="dbt", zone=Zone.PROCESSING, reads=("logs",), writes=("logs",)),
            *(
                [S3Grant(consumer="offsite-mirror", zone=Zone.STORAGE, reads=("bronze", "silver", "gold", "backups"), writes=())]
                if settings.offsite_backups
                else []
            ),
        ],
        database_grants=[
            DatabaseGrant(name="airbyte", zone=Zone.INGESTION, extra_databases=TEMPORAL_DATABASES),
            DatabaseGrant(name="superset", zone=Zone.PRESENTATION),
            DatabaseGrant(name="dbt", zone=Zone.PROCESSING),
            DatabaseGrant(name="grafana", zone=Zone.OBSERVABILITY),
            # Operational data that Airbyte's CDC connections write, and Dremio reads through a read-only role.
            DatabaseGrant(name="analytics", zone=Zone.INGESTION, reader=True),
        ],
        search_grants=[
            SearchGrant(user="dremio", role="dremio_reader", zone=Zone.PROCESSING),
            SearchGrant(user="log_shipper", role="log_writer", zone=Zone.NODE_AGENTS),
            SearchGrant(user="metrics_reader", role="metrics_reader", zone=Zone.OBSERVABILITY),
            *([SearchGrant(user="jaeger", role="trace_writer", zone=Zone.OBSERVABILITY)] if Feature.TRACING in settings.features else []),
        ],
        external_s3_credentials=(
            S3Credentials(
                access_key=secret_setting(settings, "object_storage_access_key"),
                secret_key=secret_setting(settings, "object_storage_secret_key"),
            )
            if settings.config.object_storage.backend is ObjectStorageBackend.EXTERNAL
            else None
        ),
        ca=certificates.authority,
        issuer_ready=certificates.issuer,
    ),
)

ingestion = Ingestion(
    "ingestion",
    IngestionArgs(
        settings=settings,
        namespace=network.namespaces[Zone.INGESTION],
        database=storage.databases["airbyte"],
        s3_endpoint=storage.s3_endpoint,
        s3_region=storage.s3_region,
        s3_credentials=storage.s3_credentials["airbyte"],
        logs_bucket=storage.buckets["logs"],
    ),
)
processing = Processing(
    "processing",
    ProcessingArgs(
        settings=settings,
        namespace=network.namespaces[Zone.PROCESSING],
        s3_endpoint=storage.s3_endpoint,
        s3_region=storage.s3_region,
        buckets=storage.buckets,
        s3_credentials=storage.s3_credentials["dremio"],
        backup_credentials=storage.s3_credentials["dremio-backups"],
        artifacts_credentials=storage.s3_credentials["dbt"],
        dbt_database=storage.databases["dbt"],
        ca=certificates.authority,
        issuer_ready=certificates.issuer,
    ),
)
presentation = Presentation(
    "presentation",
    PresentationArgs(
        settings=settings,
        namespace=network.namespaces[Zone.PRESENTATION],
        database=storage.databases["superset"],
        query_engine=processing.query_engine,
        ca=certificates.authority,
    ),
)

observability = Observability(
    "observability",
    ObservabilityArgs(
        settings=settings,
        namespaces=network.namespaces,
        ca=certificates.authority,
        issuer_ready=certificates.issuer,
        cert_manager=operators.ready[versions.CERT_MANAGER.release],
        eck=operators.ready[versions.ECK_OPERATOR.release],
        grafana_database=storage.databases["grafana"],
        elasticsearch_host=storage.elasticsearch_host,
        elasticsearch_port=storage.elasticsearch_port,
        elasticsearch_name=storage.elasticsearch_name,
        log_shipper=storage.elasticsearch_users["log_shipper"],
        metrics_reader=storage.elasticsearch_users["metrics_reader"],
        trace_writer=storage.elasticsearch_users.get("jaeger"),
        alerting_secrets={
            key: secret_setting(settings, key)
            for key in ("alerting_smtp_password", "alerting_slack_webhook")
            if key in settings.secret_keys_set
        },
        capacity_report=startup.as_output(),
    ),
)

backups = (
    Backups(
        "backups",
        BackupsArgs(
            settings=settings,
            namespace=network.namespaces[Zone.STORAGE],
            buckets=storage.buckets,
            s3_endpoint=storage.s3_url,
            s3_region=storage.s3_region,
            mirror_credentials=storage.s3_credentials["offsite-mirror"],
            offsite_keys=(
                (secret_setting(settings, "offsite_access_key"), secret_setting(settings, "offsite_secret_key"))
                if "offsite_access_key" in settings.secret_keys_set
                else None
            ),
        ),
    )
    if settings.offsite_backups
    else None
)

edge = (
    Edge(
        "edge",
        EdgeArgs(
            settings=settings,
            namespace=network.namespaces[Zone.EDGE],
            uis={
                "superset": presentation.url,
                "dremio": processing.query_engine.web_url,
                "airbyte": ingestion.ui_url,
                "grafana": observability.grafana_url,
            },
            flight_url=f"https://{processing.query_engine.flight_host}:{processing.query_engine.flight_port}",
            ca=certificates.authority,
            issuer_ready=certificates.issuer,
            cert_manager=operators.ready[versions.CERT_MANAGER.release],
        ),
    )
    if settings.config.edge.enabled
    else None
)

wiring = Wiring(
    "wiring",
    WiringArgs(
        settings=settings,
        semantic=SEMANTIC,
        handover=Handover(
            buckets=storage.buckets,
            s3_endpoint=storage.s3_url,
            s3_region=storage.s3_region,
            dremio_s3=(storage.s3_keys["dremio"].access_key, storage.s3_keys["dremio"].secret_key),
            airbyte_s3=(storage.s3_keys["airbyte"].access_key, storage.s3_keys["airbyte"].secret_key),
            elasticsearch_host=storage.elasticsearch_host,
            elasticsearch_port=storage.elasticsearch_port,
            elasticsearch_password=storage.elasticsearch_passwords["dremio"],
            postgresql_host=f"postgresql-rw.{settings.namespace(Zone.STORAGE)}.svc.cluster.local",
            analytics_reader=storage.database_readers["analytics"],
            dremio_uri=presentation.dremio_uri,
            roles={role.name: role.as_input() for role in presentation.roles},
            lake_source=processing.query_engine.lake_source,
            space=processing.query_engine.space,
        ),
        services={
            "s3": ServiceApi(
                url=storage.s3_url,
                url_key="endpoint",
                extra={"region": storage.s3_region},
                credentials={"access_key": storage.s3_admin_credentials.access_key, "secret_key": storage.s3_admin_credentials.secret_key},
            ),
            "dremio": ServiceApi(
                url=processing.query_engine.web_url,
                credentials={"username": processing.query_engine.admin_username, "password": processing.query_engine.admin_password},
                ui="dremio",
            ),
            "superset": ServiceApi(
                url=presentation.url, credentials={"username": presentation.admin_username, "password": presentation.admin_password}, ui="superset"
            ),
            "airbyte": ServiceApi(
                url=ingestion.api_url,
                credentials={"client_id": ingestion.client_id, "client_secret": ingestion.client_secret},
                ui="airbyte",
            ),
        },
        gates={
            "s3": storage.s3_ready,
            "dremio": processing.ready,
            "dbt": processing.dbt.deploy_job,
            "superset": presentation.ready,
            "airbyte": ingestion.release,
        },
        ca=certificates.authority,
    ),
)

pulumi.export("topology", str(settings.topology))
pulumi.export("namespaces", {str(zone): namespace for zone, namespace in network.namespaces.items()})
pulumi.export("capacity", startup.as_output())
pulumi.export(
    "storage",
    {
        "object_storage_backend": str(settings.config.object_storage.backend),
        "s3_endpoint": storage.s3_endpoint,
        "s3_region": storage.s3_region,
        "buckets": storage.buckets,
        "postgresql_host": storage.postgresql_host,
        "elasticsearch_url": storage.elasticsearch_url,
    },
)
pulumi.export(
    "processing",
    {
        "dremio_url": processing.query_engine.web_url,
        "flight_endpoint": pulumi.Output.concat(
            processing.query_engine.flight_host, ":", str(processing.query_engine.flight_port)
        ),
        "ca": {"config_map": certificates.authority.config_map, "key": certificates.authority.key, "issuer": certificates.authority.issuer},
        "admin_secret": processing.admin_secret.name,
        "metadata_backup_schedule_utc": processing.backup_schedule,
        "dbt": {
            "image": processing.dbt.image,
            "schedule_utc": processing.dbt.schedule,
            "deploy_job": processing.dbt.deploy_job.metadata.name,
        },
    },
)
pulumi.export(
    "presentation",
    {
        "superset_url": presentation.url,
        "admin_secret": presentation.admin.name,
        "roles": [role.name for role in presentation.roles],
    },
)
pulumi.export(
    "ingestion",
    {"airbyte_url": ingestion.ui_url, "api_url": ingestion.api_url, "admin_secret": ingestion.admin.name},
)
pulumi.export(
    "observability",
    {
        "grafana_url": observability.grafana_url,
        "grafana_admin_secret": observability.grafana_admin.name,
        "prometheus_url": observability.prometheus_url,
        "alertmanager_url": observability.alertmanager_url,
        "kibana_url": observability.kibana_url,
        "jaeger_url": observability.jaeger_url,
    },
)
pulumi.export("edge", edge.urls if edge else {})
pulumi.export("post_deploy", {"access": settings.config.post_deploy.access})
pulumi.export("backups", {"offsite_bucket": backups.bucket, "mirror_schedule_utc": backups.mirror_schedule} if backups else {})
