-- Every order with its customer: the join the marts build on.
select
    o.order_id,
    o.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    o.order_date,
    o.status,
    o.amount
from {{ ref('stg_orders') }} as o
inner join {{ ref('stg_customers') }} as c on o.customer_id = c.customer_id
