"""Where the platform knowingly departs from its own rules, each time with the reason.

The test suite and the policy pack read these tables, so an exception is declared once and stays visible:

* `POD_SECURITY_EXCEPTIONS`: workloads that cannot meet a Pod Security "restricted" rule;
* `OPERATOR_CREATED_SECRETS`: Secrets that pods reference but an operator creates at run time, so they
  are not among the declared objects.
"""

from __future__ import annotations

POD_SECURITY_EXCEPTIONS: dict[tuple[str, str, str], str] = {}
"""(kind, name prefix, Pod Security rule) → why that workload cannot meet the rule."""

OPERATOR_CREATED_SECRETS: dict[str, str] = {
    "elasticsearch-es-elastic-user": "ECK creates the elastic superuser's password with the cluster",
    "elasticsearch-es-http-certs-public": "ECK creates the public HTTP CA with the cluster",
}
"""Secret name → which operator creates it, and when."""
