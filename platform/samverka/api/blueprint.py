"""The API's blueprint class (flask-smorest), also handed to plugins for their own routes."""

from __future__ import annotations

from collections.abc import Callable

import flask_smorest

from samverka.api.problems import documented_statuses


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose views document their problem responses."""

    def problems(self, *codes: int, public: bool = False) -> Callable:
        """Document ``codes`` (and 401, unless ``public``) plus a ``default`` problem."""
        statuses = documented_statuses(*((() if public else (401,)) + codes))

        def decorate(view: Callable) -> Callable:
            for status, name in statuses:
                view = self.alt_response(status, response=name)(view)
            return view

        return decorate
