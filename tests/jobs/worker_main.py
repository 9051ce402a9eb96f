"""A real job worker process for the tests: ``samverka worker``'s code, with the test plugin
installed (it is not an entry point). Settings come from ``SAMVERKA_*`` like the command's."""

from __future__ import annotations

import samverka_testplugin
from samverka.cli.server_commands import run_worker
from samverka.config import Settings
from samverka.testing.fixtures import create_test_app

if __name__ == "__main__":
    app = create_test_app(Settings.from_env(), [(samverka_testplugin.NAME, samverka_testplugin)])
    run_worker(app)
