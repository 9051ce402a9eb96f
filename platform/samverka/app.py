"""``samverka.app:create_app`` — the application factory's conventional name (flaskr).

The factory is built in :mod:`samverka.bootstrap`, the composition root.
"""

from samverka.bootstrap import create_app

__all__ = ["create_app"]
