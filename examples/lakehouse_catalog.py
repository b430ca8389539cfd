"""Worked example: Dremio's catalog for the lakehouse's bronze / silver / gold layout.

What it declares, in dependency order:

1. the first Dremio administrator (bootstrapped on a fresh Dremio, checked on an existing one);
2. an S3 source `lake` on the object store's buckets, and a PostgreSQL source `warehouse`;
3. the bronze Parquet folder `lake.bronze.orders` promoted to a table, with its own reflection refresh
   policy;
4. spaces bronze, silver and gold; a silver view joining the orders with the warehouse's customers and a
   gold view aggregating revenue;
5. a raw reflection on the bronze table and an aggregation reflection on the silver view.

Every credential comes from secret config and stays secret in state:

    pulumi config set lakehouse:dremio_url http://127.0.0.1:9047   # e.g. through a port-forward
    pulumi config set --secret lakehouse:dremio_admin_password '...'
    pulumi config set lakehouse:s3_access_key dremio
    pulumi config set --secret lakehouse:s3_secret_key '...'
    pulumi config set --secret lakehouse:postgres_password '...'

docs/providers/dremio.md shows this file; tests/providers/dremio/test_failures.py evaluates it under Pulumi's mocks and the
same chain of resources runs against the fake Dremio there.
"""

import pulumi

from components.providers.dremio.admin import DremioAdmin, DremioAdminArgs
from components.providers.dremio.reflection import DremioReflection, DremioReflectionArgs
from components.providers.dremio.source import DremioSource, DremioSourceArgs
from components.providers.dremio.space import DremioSpace, DremioSpaceArgs
from components.providers.dremio.table import DremioTable, DremioTableArgs
from components.providers.dremio.view import DremioView, DremioViewArgs

config = pulumi.Config("lakehouse")
dremio = {
    "url": config.get("dremio_url") or "https://dremio.dp-processing.svc.cluster.local:9047",
    "username": "admin",
    "password": config.require_secret("dremio_admin_password"),
}

admin = DremioAdmin(
    "dremio-admin",
    DremioAdminArgs(connection=dremio, first_name="Data", last_name="Platform", email="platform@example.com"),
)


def after(*resources: pulumi.Resource) -> pulumi.ResourceOptions:
    """Dremio checks references when saving, so each object waits for what it names."""
    return pulumi.ResourceOptions(depends_on=list(resources))


lake = DremioSource(
    "lake",
    DremioSourceArgs(
        connection=dremio,
        name="lake",
        type="S3",
        config={
            "credentialType": "ACCESS_KEY",
            "accessKey": config.require("s3_access_key"),
            "accessSecret": config.require_secret("s3_secret_key"),
            "secure": False,  # the in-cluster store speaks plain HTTP; `secure` wins over propertyList
            "compatibilityMode": True,
            "rootPath": "/",
            "whitelistedBuckets": ["bronze", "silver", "gold"],
            "propertyList": [
                {"name": "fs.s3a.endpoint", "value": "object-storage.dp-storage.svc.cluster.local:9000"},
                {"name": "fs.s3a.path.style.access", "value": "true"},
            ],
        },
        # New files in bronze show up within 15 minutes; everything else at Dremio's defaults.
        metadata_policy={"namesRefreshMs": 900000, "datasetRefreshAfterMs": 900000},
    ),
    opts=after(admin),
)
# An operational database on the platform's PostgreSQL, read through a read-only `dremio` role.
warehouse = DremioSource(
    "warehouse",
    DremioSourceArgs(
        connection=dremio,
        name="warehouse",
        type="POSTGRES",
        config={
            "hostname": "postgresql-rw.dp-storage.svc.cluster.local",
            "port": "5432",
            "databaseName": "app",
            "authenticationType": "MASTER",
            "username": "dremio",
            "password": config.require_secret("postgres_password"),
            "useSsl": True,
        },
    ),
    opts=after(admin),
)

spaces = {
    layer: DremioSpace(f"space-{layer}", DremioSpaceArgs(connection=dremio, name=layer), opts=after(admin))
    for layer in ("bronze", "silver", "gold")
}

orders = DremioTable(
    "bronze-orders",
    DremioTableArgs(
        connection=dremio,
        path=["lake", "bronze", "orders"],
        format={"type": "Parquet"},
        refresh_policy={"refresh_period_ms": 3_600_000, "grace_period_ms": 10_800_000, "method": "FULL"},
    ),
    opts=after(lake),
)

orders_clean = DremioView(
    "silver-orders-clean",
    DremioViewArgs(
        connection=dremio,
        path=["silver", "orders_clean"],
        sql=(
            "SELECT o.order_id, o.order_date, o.region, o.amount, c.country\n"
            "FROM lake.bronze.orders AS o JOIN warehouse.public.customers AS c ON o.customer_id = c.customer_id"
        ),
    ),
    opts=after(orders, warehouse, spaces["silver"]),
)
revenue = DremioView(
    "gold-revenue-by-region",
    DremioViewArgs(
        connection=dremio,
        path=["gold", "revenue_by_region"],
        sql="SELECT region, order_date, SUM(amount) AS revenue FROM silver.orders_clean GROUP BY region, order_date",
    ),
    opts=after(orders_clean, spaces["gold"]),
)

DremioReflection(
    "bronze-orders-raw",
    DremioReflectionArgs(
        connection=dremio,
        dataset_path=["lake", "bronze", "orders"],
        name="orders_raw",
        type="RAW",
        display_fields=["order_id", "order_date", "region", "amount", "customer_id"],
        partition_fields=["region"],
        sort_fields=["order_date"],
    ),
    opts=after(orders),
)
DremioReflection(
    "silver-orders-by-region",
    DremioReflectionArgs(
        connection=dremio,
        dataset_path=["silver", "orders_clean"],
        name="orders_by_region",
        type="AGGREGATION",
        dimension_fields=[{"name": "region", "granularity": "NORMAL"}, {"name": "order_date", "granularity": "DATE"}],
        measure_fields=[{"name": "amount", "measure_types": ["SUM", "COUNT", "MAX"]}],
    ),
    opts=after(orders_clean),
)

pulumi.export("gold_view_id", revenue.id)
