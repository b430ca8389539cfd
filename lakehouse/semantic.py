"""The lakehouse's semantic layer as code: Dremio views and reflections, and Superset datasets.

This is where a data team declares what analysts see. `pulumi up` checks every declaration against the dbt
project first (a reflection or dataset on a model dbt does not build, or on a database the platform does not
declare, stops it before anything is changed), then creates or updates the objects in Dremio and Superset,
after the deploy-time dbt build has made the models. The README's "Semantic layer" section says how to add one.

It starts with the architecture's example: the customer lifetime value mart, accelerated by an aggregation
reflection and a raw one, and published in Superset with three metrics.
"""

from __future__ import annotations

from components.platform.semantic import (
    Column,
    Dataset,
    Dimension,
    Measure,
    Metric,
    Model,
    Reflection,
    SemanticLayer,
)

CUSTOMER_LIFETIME_VALUE = Model(name="fct_customer_lifetime_value")

SEMANTIC = SemanticLayer(
    reflections=(
        Reflection(
            name="customer_ltv_by_first_order",
            dataset=CUSTOMER_LIFETIME_VALUE,
            type="AGGREGATION",
            dimensions=(Dimension(field="first_order_date", granularity="DATE"),),
            measures=(
                Measure(field="customer_id", types=("COUNT",)),
                Measure(field="lifetime_value", types=("SUM", "MAX")),
                Measure(field="total_orders", types=("SUM",)),
            ),
        ),
        Reflection(
            name="customer_ltv_raw",
            dataset=CUSTOMER_LIFETIME_VALUE,
            type="RAW",
            display=(
                "customer_id", "first_name", "last_name", "total_orders", "lifetime_value", "average_order_value",
                "first_order_date", "last_order_date", "lifespan_days",
            ),
            sort_by=("lifetime_value",),
        ),
    ),
    datasets=(
        Dataset(
            dataset=CUSTOMER_LIFETIME_VALUE,
            description="Lifetime value of every customer over completed orders (gold, rebuilt nightly by dbt)",
            metrics=(
                Metric(name="customer_count", expression="COUNT(DISTINCT customer_id)", label="Customers", d3format=",d"),
                Metric(name="total_lifetime_value", expression="SUM(lifetime_value)", label="Total lifetime value", d3format=",.2f"),
                Metric(
                    name="average_order_value",
                    expression="SUM(lifetime_value) / NULLIF(SUM(total_orders), 0)",
                    label="Average order value",
                    d3format=",.2f",
                ),
            ),
            columns=(
                Column(name="first_order_date", label="First order", is_time=True),
                Column(name="last_order_date", label="Last order", is_time=True),
                Column(name="customer_id", label="Customer", groupby=False),
            ),
        ),
    ),
)
