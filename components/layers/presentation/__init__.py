"""The presentation layer: Superset (web, workers, beat, migrations) with its Valkey cache, and the
architecture's four roles. `layer.Presentation` is the only entry point `__main__.py` uses."""
