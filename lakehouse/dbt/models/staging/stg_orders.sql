-- Orders, standardised: typed dates and amounts, statuses in lower case.
select
    cast(id as bigint) as order_id,
    cast(customer_id as bigint) as customer_id,
    cast(order_date as date) as order_date,
    lower(trim(status)) as status,
    cast(amount as decimal(12, 2)) as amount
from {{ source('bronze', 'raw_orders') }}
