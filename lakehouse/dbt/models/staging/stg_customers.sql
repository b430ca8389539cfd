-- Customers, cleaned: trimmed names, lower-case e-mail addresses, one row per customer.
select
    cast(id as bigint) as customer_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    lower(trim(email)) as email,
    cast(created_at as timestamp) as created_at
from {{ source('bronze', 'raw_customers') }}
