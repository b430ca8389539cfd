"""The platform's layers, one ComponentResource each. Layers never import each other: what one needs from
another is a type of `components.platform.contracts`, passed in `__main__.py`."""
