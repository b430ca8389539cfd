-- Customer lifetime value over completed orders only: how many, how much, how long.
select
    customer_id,
    min(first_name) as first_name,
    min(last_name) as last_name,
    count(*) as total_orders,
    sum(amount) as lifetime_value,
    cast(avg(amount) as decimal(12, 2)) as average_order_value,
    min(order_date) as first_order_date,
    max(order_date) as last_order_date,
    timestampdiff(day, min(order_date), max(order_date)) as lifespan_days
from {{ ref('int_customer_orders') }}
where status = 'completed'
group by customer_id
