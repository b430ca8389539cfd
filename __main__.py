"""Composition root of the data platform: settings, start-up checks, layers, stack outputs.

Settings are validated and the capacity check runs before any resource is declared, so a bad
configuration fails with a readable message and an empty preview. Each layer is a ComponentResource
under `components/`; layers never import each other, and what one needs from another is passed here.
"""

import pulumi

from components.capacity import check_capacity
from components.network import NetworkZones, NetworkZonesArgs
from components.settings import load_settings

settings = load_settings()
capacity = check_capacity(settings.profile, settings.stack)

network = NetworkZones("network", NetworkZonesArgs(settings=settings))

pulumi.export("topology", str(settings.topology))
pulumi.export("namespaces", {str(zone): namespace for zone, namespace in network.namespaces.items()})
pulumi.export("capacity", capacity.as_output())
