"""A tenant's whole data: one archive of everything it owns, and its deletion after a grace
period. Modules take part through two hooks, ``export_tenant_data`` and
``before_tenant_delete`` (see ``docs/plugin-hooks.md``)."""
