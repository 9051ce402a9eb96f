"""WSGI entry point for the benchmark: the Samverka app with the benchmark plugin registered.

gunicorn --pythonpath bench wsgi:app      (settings from SAMVERKA_* variables)
"""

from __future__ import annotations

import samverka_benchplugin
from samverka.app import create_app
from samverka.config import Settings

app = create_app(
    Settings.from_env(), extra_plugins=[(samverka_benchplugin.NAME, samverka_benchplugin)]
)
