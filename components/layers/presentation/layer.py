"""Presentation: Superset over Dremio's Arrow Flight, with its cache, as one layer.

Composed in `__main__.py` from the storage layer's outputs (the `superset` database and its Secret), the
processing layer's (Dremio's Flight endpoint and administrator) and the platform CA. Outputs what the
platform's wiring needs to configure Superset through its API: the URL, the administrator, the Dremio
connection's URI (TLS, verified against the platform CA) and the four roles.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.layers.presentation.config import flight_uri
from components.layers.presentation.roles import ROLES, RoleDefinition
from components.layers.presentation.superset import ADMIN_USERNAME, Superset, SupersetArgs
from components.layers.presentation.valkey import Valkey, ValkeyArgs
from components.platform.contracts import CertificateAuthority, DatabaseRef, QueryEngine, SecretRef
from components.platform.images import ImageSource, image_reference
from components.platform.settings import PlatformSettings

SUPERSET_IMAGE = ImageSource(name="superset", inputs=())


@dataclass(frozen=True, kw_only=True)
class PresentationArgs:
    settings: PlatformSettings
    """Validated stack settings: the Superset and Valkey rows, `superset.*`, `images.*`."""
    namespace: pulumi.Input[str]
    """The presentation namespace (from the network layer)."""
    database: DatabaseRef
    """The `superset` metadata database and its credential, in the presentation namespace (storage layer)."""
    query_engine: QueryEngine
    """Dremio (processing layer): the Flight endpoint and the user Superset connects as."""
    ca: CertificateAuthority
    """The platform CA (certificates layer)."""


class Presentation(pulumi.ComponentResource):
    url: str
    """Superset's in-cluster URL."""
    admin: SecretRef
    admin_username: str
    admin_password: pulumi.Output[str]
    """Superset's first administrator; the password is a secret Output for the program's providers."""
    dremio_uri: pulumi.Output[str]
    """Superset's SQLAlchemy URI for Dremio over Flight with TLS (a secret Output: it holds the password)."""
    roles: tuple[RoleDefinition, ...]
    """The four roles, for the `SupersetRole` provider."""
    ready: pulumi.Resource
    """The migration Job: resources that use Superset's API depend on it."""

    def __init__(self, name: str, args: PresentationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:presentation:Presentation", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        image = image_reference(f"{name}-image", SUPERSET_IMAGE, settings, self)
        valkey = Valkey(f"{name}-valkey", ValkeyArgs(settings=settings, namespace=args.namespace), opts=child)
        superset = Superset(
            f"{name}-superset",
            SupersetArgs(
                settings=settings,
                namespace=args.namespace,
                image=image,
                database=args.database,
                valkey_host=valkey.host,
                valkey_port=valkey.port,
                valkey_password=valkey.password,
                ca=args.ca,
            ),
            opts=child,
        )
        engine = args.query_engine
        self.url = superset.url
        self.admin = superset.admin
        self.admin_password = superset.admin_password
        self.admin_username = ADMIN_USERNAME
        self.ready = superset.setup_job
        self.roles = ROLES
        self.dremio_uri = pulumi.Output.secret(
            pulumi.Output.all(engine.admin_password, engine.flight_host).apply(
                lambda values: flight_uri(
                    username=engine.admin_username, password=values[0], host=values[1], port=engine.flight_port
                )
            )
        )
        self.register_outputs(
            {
                "url": self.url,
                "admin": self.admin.name,
                "admin_username": self.admin_username,
                "admin_password": self.admin_password,
                "dremio_uri": self.dremio_uri,
                "roles": [role.name for role in self.roles],
                "ready": self.ready.urn,
            }
        )
