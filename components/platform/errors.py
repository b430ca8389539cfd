"""The errors that stop the program before it declares anything: each lists every problem it found."""

from __future__ import annotations

import pulumi


class ConfigurationError(pulumi.RunError):
    """A stack that must not be deployed as configured. Pulumi prints a RunError's message without a
    Python traceback; `problems` holds the individual sentences (each naming a key and the fix)."""

    def __init__(self, message: str, problems: list[str]):
        self.problems = problems
        super().__init__(message)
