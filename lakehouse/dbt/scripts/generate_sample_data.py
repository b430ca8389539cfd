"""Writes the synthetic sample data (seeds/raw_customers.csv, seeds/raw_orders.csv), deterministically.

    python lakehouse/dbt/scripts/generate_sample_data.py

The same seed always writes the same files (a test checks that the committed files are exactly this
output). Names and addresses are made up; amounts are positive; a few e-mail addresses carry stray
spaces and capitals and a few statuses are upper-case, so the staging models have something to clean.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CUSTOMERS = 300
ORDERS = 1200
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia",
         "Tim", "Hedy", "Niklaus", "Sophie", "Leslie", "Adele", "Dennis", "Katherine", "Bjarne"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton", "Thompson",
        "Perlman", "Berners-Lee", "Lamarr", "Wirth", "Wilson", "Lamport", "Goldberg", "Ritchie", "Johnson", "Stroustrup"]
STATUSES = [("completed", 70), ("shipped", 10), ("placed", 8), ("returned", 7), ("cancelled", 5)]


def generate(seed: int = 20261204) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    customers = []
    for customer_id in range(1, CUSTOMERS + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{customer_id}@example.com"
        if rng.random() < 0.1:
            email = f"  {email.upper()} "
        created = datetime(2024, 1, 1) + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        customers.append(
            {"id": customer_id, "first_name": first, "last_name": last, "email": email,
             "created_at": created.isoformat(sep=" ")}
        )
    statuses, weights = zip(*STATUSES, strict=True)
    orders = []
    for order_id in range(1, ORDERS + 1):
        status = rng.choices(statuses, weights)[0]
        orders.append(
            {
                "id": order_id,
                "customer_id": rng.randrange(1, CUSTOMERS + 1),
                "order_date": (date(2025, 1, 1) + timedelta(days=rng.randrange(0, 700))).isoformat(),
                "status": status.upper() if rng.random() < 0.05 else status,
                "amount": f"{rng.uniform(5, 500):.2f}",
            }
        )
    return customers, orders


def write(directory: Path = SEEDS) -> None:
    customers, orders = generate()
    for name, rows in (("raw_customers", customers), ("raw_orders", orders)):
        with (directory / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    write()
