"""Composition root of the data platform: settings, start-up checks, layers, stack outputs.

Settings are validated and the capacity check runs before any resource is declared, so a bad
configuration fails with a readable message and an empty preview. Each layer is a ComponentResource
under `components/`; layers never import each other, and what one needs from another is passed here.
"""

import pulumi

from components.capacity import check_capacity
from components.catalog import ObjectStorageBackend
from components.network import NetworkZones, NetworkZonesArgs
from components.operators import Operators, OperatorsArgs
from components.settings import load_settings, secret_setting
from components.storage.layer import Storage, StorageArgs
from components.storage.references import S3Credentials

settings = load_settings()
capacity = check_capacity(settings)

network = NetworkZones("network", NetworkZonesArgs(settings=settings))
operators = Operators("operators", OperatorsArgs(settings=settings, namespaces=network.namespaces))
storage = Storage(
    "storage",
    StorageArgs(
        settings=settings,
        namespaces=network.namespaces,
        postgresql_operator=operators.postgresql_ready,
        elasticsearch_operator=operators.elasticsearch_ready,
        external_s3_credentials=(
            S3Credentials(
                access_key=secret_setting(settings, "object_storage_access_key"),
                secret_key=secret_setting(settings, "object_storage_secret_key"),
            )
            if settings.object_storage.backend is ObjectStorageBackend.EXTERNAL
            else None
        ),
    ),
)

pulumi.export("topology", str(settings.topology))
pulumi.export("namespaces", {str(zone): namespace for zone, namespace in network.namespaces.items()})
pulumi.export("capacity", capacity.as_output())
pulumi.export(
    "storage",
    {
        "object_storage_backend": str(settings.object_storage.backend),
        "s3_endpoint": storage.s3_endpoint,
        "s3_region": storage.s3_region,
        "buckets": storage.buckets,
        "postgresql_host": storage.postgresql_host,
        "elasticsearch_url": storage.elasticsearch_url,
    },
)
