"""GOV.UK Frontend components, rendered once per distinct set of parameters.

The govuk-frontend-jinja macros are pure functions of their parameters, but evaluating one
costs far more than the HTML it produces (the service navigation alone takes a few hundred
microseconds), and the layout calls the same components with the same parameters on every
page a user views. Templates call ``component("service-navigation", params)`` instead of the
macro; the output is memoised per process under a canonical form of the parameters, so a hit
costs a dictionary lookup and a change of any parameter (a label, the locale's wording, a
link) is a different key. Markup and plain text stay distinct in the key: the macros escape
one and not the other.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

MAX_ENTRIES = 2048


def canonical(value: Any) -> Any:
    """A JSON-able form of macro parameters that tells Markup from text (lazy text resolved)."""
    if isinstance(value, Markup):
        return {"__html__": str(value)}
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # lazy gettext strings and the like: their text in the current locale


def macro_name(component: str) -> str:
    """``service-navigation`` -> ``govukServiceNavigation``."""
    return "govuk" + "".join(part.title() for part in component.split("-"))


class ComponentCache:
    """A bounded LRU of rendered components for one Jinja environment."""

    def __init__(self, environment: Environment, max_entries: int = MAX_ENTRIES) -> None:
        self.environment = environment
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, component: str, params: dict[str, Any]) -> Markup:
        key = component + "\0" + json.dumps(canonical(params), sort_keys=True)
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
                return html
        html = self._macro(component)(params)  # Markup already: the environment autoescapes
        with self._lock:
            self._entries[key] = html
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return html

    def _macro(self, component: str):
        template = self.environment.get_template(
            f"govuk_frontend_jinja/components/{component}/macro.html"
        )
        return getattr(template.module, macro_name(component))


def init_app(app) -> None:
    app.jinja_env.globals["component"] = ComponentCache(app.jinja_env)
