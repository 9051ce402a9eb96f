"""Test support for Samverka and its plugin authors (a pytest plugin, ``samverka.testing``).

Fixtures: ``samverka_backend`` (SQLite and PostgreSQL), ``app``, ``client``, ``db``,
``tenant_pair`` (two municipalities in one consortium, each with an admin and a reader),
``login`` and ``with_plugins``. A plugin's own ``conftest.py`` may override
``samverka_plugins`` to register plugins that are not installed as distributions.
"""
