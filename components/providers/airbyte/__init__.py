"""Airbyte as code: sources, destinations and connections through Airbyte's public API (docs/providers/airbyte.md)."""
