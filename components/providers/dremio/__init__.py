"""Dremio providers: one module per kind (admin, source, space, table, view, reflection) on one client
(`client`) and one provider base (`provider`)."""
