"""Superset providers: one module per kind (database, dataset) on one client (`client`) and one provider
base (`provider`)."""
