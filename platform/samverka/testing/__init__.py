"""Test support for Samverka and its plugin authors (a pytest plugin, ``samverka.testing``).

Fixtures: ``samverka_backend`` (SQLite and PostgreSQL), ``app``, ``client``, ``db``,
``tenant_pair`` (two municipalities in one consortium, each with an admin and a reader),
``world`` (the pair plus a municipality outside the consortium), ``acting`` (the session
scoped to a tenant and user), ``ctx`` (an English request context), ``login`` and
``with_plugins``. :mod:`samverka.testing.core` arranges and inspects the core's own data
(plans, rounds, audit, tokens, the CLI) for a plugin's tests, and
:mod:`samverka.testing.jobs` runs queued jobs in the test's process. A plugin's own
``conftest.py`` may override ``samverka_plugins`` to register plugins that are not installed
as distributions.
"""
