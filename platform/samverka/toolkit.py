"""The toolkit for plugin authors (CKAN's ``toolkit``): the only module a plugin imports.

Pure re-exports with an explicit ``__all__``: the core can change its inside without
breaking plugins, and an import-linter contract keeps plugins on this side of the line.
"""

from samverka.plugins.api import *  # noqa: F403 - the facade moves here (issue 15)
from samverka.plugins.api import __all__  # noqa: F401
