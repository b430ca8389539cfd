"""Wiring: the dynamic providers configure the deployed platform (layer.py), from a plan (plan.py)."""
