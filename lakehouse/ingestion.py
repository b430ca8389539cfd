"""The lakehouse's Airbyte sources and connections: what a data team declares here, the platform deploys.

`declare(...)` is called by the platform's wiring with Airbyte's API connection, the workspace and the bronze
destination. It declares nothing by default. The example below (commented out) reads a PostgreSQL database by
change data capture and syncs two tables incrementally into bronze every night at 01:00 UTC, the
architecture's ingestion window; dbt's staging models then read `bronze.<stream>`.
"""

from __future__ import annotations

from typing import Any

import pulumi

# from components.providers.airbyte.actor import AirbyteSource, AirbyteSourceArgs
# from components.providers.airbyte.connection import AirbyteConnection, AirbyteConnectionArgs

POSTGRES_SOURCE = "decd338e-5647-4c0b-adf4-da0e75f5a750"
"""Airbyte's PostgreSQL source definition."""


def declare(
    *, connection: pulumi.Input[dict[str, Any]], workspace_id: pulumi.Input[str], destination_id: pulumi.Input[str],
    parent: pulumi.Resource | None = None,
) -> list[pulumi.Resource]:
    """Declare the lakehouse's sources and connections; returns them (nothing by default)."""
    declared: list[pulumi.Resource] = []
    # config = pulumi.Config("lakehouse")
    # shop = AirbyteSource(
    #     "shop",
    #     AirbyteSourceArgs(
    #         connection=connection,
    #         workspace_id=workspace_id,
    #         name="shop",
    #         definition_id=POSTGRES_SOURCE,
    #         configuration={
    #             "host": "shop-db.example.internal",  # add its address to ingestion.source_cidrs
    #             "port": 5432,
    #             "database": "shop",
    #             "schemas": ["public"],
    #             "username": "airbyte_reader",
    #             "password": config.require_secret("shop_password"),
    #             "ssl_mode": {"mode": "require"},
    #             "replication_method": {"method": "CDC", "replication_slot": "airbyte", "publication": "airbyte"},
    #         },
    #     ),
    #     opts=pulumi.ResourceOptions(parent=parent),
    # )
    # nightly = AirbyteConnection(
    #     "shop-to-bronze",
    #     AirbyteConnectionArgs(
    #         connection=connection,
    #         name="shop → bronze",
    #         source_id=shop.source_id,
    #         destination_id=destination_id,
    #         streams=[
    #             {"name": "customers", "sync_mode": "incremental_deduped_history", "primary_key": [["id"]]},
    #             {"name": "orders", "sync_mode": "incremental_append"},
    #         ],
    #         schedule_cron="0 0 1 * * ?",  # daily at 01:00 UTC
    #     ),
    #     opts=pulumi.ResourceOptions(parent=parent),
    # )
    # declared += [shop, nightly]
    return declared
