"""Where the platform knowingly departs from its own rules, each time with the reason.

The test suite and the policy pack read these tables, so an exception is declared once and stays visible:

* `POD_SECURITY_EXCEPTIONS`: workloads that cannot meet a Pod Security "restricted" rule;
* `UNPINNED_IMAGES`: images that run by tag until the stack supplies their digest;
* `FIXED_IMAGE_USERS`: images that must run as their own low user id rather than the platform's
  (checkov CKV_K8S_40 asks for a UID above 10000);
* `OPERATOR_CREATED_SECRETS`: Secrets that pods reference but an operator creates at run time, so they
  are not among the declared objects;
* `CHART_RELEASES`: Helm releases whose chart renders pods that depart from the rules in ways its values
  cannot change.
"""

from __future__ import annotations

POD_SECURITY_EXCEPTIONS: dict[tuple[str, str, str], str] = {}
"""(kind, name prefix, Pod Security rule) → why that workload cannot meet the rule."""

OPERATOR_CREATED_SECRETS: dict[str, str] = {
    "elasticsearch-es-elastic-user": "ECK creates the elastic superuser's password with the cluster",
    "elasticsearch-es-http-certs-public": "ECK creates the public HTTP CA with the cluster",
    "dremio-tls": "cert-manager writes Dremio's certificate and PKCS#12 keystore from the Certificate of the same name",
}
"""Secret name → which operator creates it, and when."""

UNPINNED_IMAGES: dict[str, str] = {
    "docker.io/dremio/dremio-oss": (
        "no public pin of the Community Edition image's digest could be confirmed; the stack supplies it "
        "(processing.dremio_image_digest), and until it does `pulumi up` warns and pods run by tag"
    ),
    "docker.elastic.co/kibana/kibana": (
        "no public pin of the digest of Kibana at the pinned Elasticsearch version could be confirmed; the stack "
        "supplies it (observability.kibana_image_digest), and until it does `pulumi up` warns and Kibana runs by tag"
    ),
}
"""Image repository → why it may run by tag alone (every other image is pinned by digest)."""

FIXED_IMAGE_USERS: dict[str, str] = {
    "docker.io/dremio/dremio-oss": (
        "runs as the image's own user dremio (uid 999): Dremio's Hadoop libraries look up the process's user "
        "name, which a UID without an entry in the image's /etc/passwd does not have"
    ),
}
"""Image repository → why its pods run as the image's user id (below 10000)."""

CHART_RELEASES: dict[str, str] = {
    "airbyte": (
        "Airbyte's chart V2 (the only supported way to run Airbyte 2.x) renders its own pods, which the graph "
        "cannot check: they run as uid 1000 and meet Pod Security \"restricted\" (non-root, no privilege "
        "escalation, all capabilities dropped, RuntimeDefault seccomp; connector pods too, with "
        "ROOTLESS_WORKLOAD), but keep a writable root filesystem (the chart's default: the JVM services and "
        "connectors write temporary files inside their images); images are the chart's own, by the tag of "
        "its appVersion; `cron` has no probe (the chart has no template for one); the Temporal UI, which runs "
        "as root, is off"
    ),
}
"""Helm release → where the pods its chart renders depart from the platform's rules, and why."""
