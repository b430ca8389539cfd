"""Worked example: Superset reads the gold layer from Dremio over Arrow Flight.

It declares Superset's connection to Dremio and a dataset on the gold view `gold.revenue_by_region`
(made by examples/lakehouse_catalog.py) with two metrics and friendlier column names. Credentials come
from secret config and stay secret in state; the SQLAlchemy URI carries Dremio's password, so it is
secret too:

    pulumi config set presentation:superset_url http://127.0.0.1:8088   # e.g. through a port-forward
    pulumi config set --secret presentation:superset_admin_password '...'
    pulumi config set --secret presentation:dremio_password '...'

docs/providers/superset.md shows this file; tests/providers/superset/test_failures.py evaluates it under Pulumi's mocks, and the
same kinds of resources run against a real Superset there.
"""

import pulumi

from components.providers.superset.database import SupersetDatabase, SupersetDatabaseArgs
from components.providers.superset.dataset import SupersetDataset, SupersetDatasetArgs

config = pulumi.Config("presentation")
superset = {
    "url": config.get("superset_url") or "http://superset.dp-presentation.svc.cluster.local:8088",
    "username": "admin",
    "password": config.require_secret("superset_admin_password"),
}
# Arrow Flight on Dremio's port 32010, with TLS verified against the platform CA, which Superset's pods mount.
dremio_uri = pulumi.Output.concat(
    "dremio+flight://superset:",
    config.require_secret("dremio_password"),
    "@dremio.dp-processing.svc.cluster.local:32010/dremio?UseEncryption=true&TrustedCerts=/etc/platform-ca/ca.crt",
)

dremio = SupersetDatabase(
    "dremio",
    SupersetDatabaseArgs(
        connection=superset,
        database_name="Dremio lakehouse",
        sqlalchemy_uri=dremio_uri,
        expose_in_sqllab=True,
        allow_run_async=False,  # no Celery workers: queries run in the web process
        cache_timeout=600,
    ),
)

revenue = SupersetDataset(
    "gold-revenue-by-region",
    SupersetDatasetArgs(
        connection=superset,
        database_name="Dremio lakehouse",
        schema="gold",
        table_name="revenue_by_region",
        description="Revenue per region and day, from the gold layer",
        metrics=[
            {"metric_name": "revenue", "expression": "SUM(revenue)", "verbose_name": "Revenue", "d3format": ",.2f"},
            {"metric_name": "orders", "expression": "COUNT(*)", "verbose_name": "Order days"},
        ],
        columns=[
            {"column_name": "order_date", "is_dttm": True, "verbose_name": "Day"},
            {"column_name": "region", "verbose_name": "Region", "groupby": True},
        ],
    ),
    opts=pulumi.ResourceOptions(depends_on=[dremio]),
)

pulumi.export("superset_dataset_id", revenue.dataset_id)
