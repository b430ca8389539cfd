"""Start-up checks: pure functions of the validated settings that refuse a stack before anything is declared.

`run(settings)` runs them all and reports every failure at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.platform.checks.availability import AvailabilityReport, check_availability
from components.platform.checks.capacity import CapacityReport, check_capacity
from components.platform.checks.images import check_images
from components.platform.checks.semantic import check_semantic
from components.platform.errors import ConfigurationError
from components.platform.semantic import SemanticLayer
from components.platform.settings import PlatformSettings


@dataclass(frozen=True)
class StartupReport:
    capacity: CapacityReport
    availability: AvailabilityReport

    def as_output(self) -> dict[str, object]:
        """The `capacity` stack output: the capacity report with what the topology guarantees."""
        return {**self.capacity.as_output(), "availability": self.availability.as_output()}


def run(settings: PlatformSettings, semantic: SemanticLayer | None = None) -> StartupReport:
    """Every start-up check; one ConfigurationError listing every failure when any fails. `semantic`: the
    lakehouse's semantic layer (lakehouse/semantic.py unless given)."""
    if semantic is None:
        from lakehouse.semantic import SEMANTIC

        semantic = SEMANTIC
    results, failures = [], []
    for check in (check_capacity, check_availability, check_images):
        try:
            results.append(check(settings))
        except ConfigurationError as error:
            failures.append(error)
    try:
        check_semantic(semantic)
    except ConfigurationError as error:
        failures.append(error)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise ConfigurationError("\n\n".join(str(error) for error in failures), [p for e in failures for p in e.problems])
    capacity, availability, _ = results
    return StartupReport(capacity=capacity, availability=availability)
