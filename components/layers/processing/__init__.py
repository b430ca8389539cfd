"""The processing layer: Dremio OSS (coordinator, executors) with ZooKeeper, its maintenance Jobs, and
(later) dbt. `layer.Processing` is the only entry point `__main__.py` uses."""
