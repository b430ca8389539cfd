-- Fails for every order whose amount is zero or negative.
select order_id, amount
from {{ ref('stg_orders') }}
where amount <= 0
