"""``samverka``: the operations command line's commands.

Every command is non-interactive, takes ``--json`` for machine-readable output, and on bad
input prints one line to standard error and exits non-zero without changing anything. The
group itself (and its app) is built in :mod:`samverka.bootstrap`; plugins add commands
through the hook ``register_cli_commands``.
"""

from __future__ import annotations

from samverka.cli import (
    audit_commands,
    db_commands,
    idp_commands,
    job_commands,
    plugin_commands,
    record_commands,
    server_commands,
    tenant_commands,
    token_commands,
    user_commands,
)

COMMAND_MODULES = (
    db_commands,
    tenant_commands,
    user_commands,
    plugin_commands,
    token_commands,
    server_commands,
    idp_commands,
    audit_commands,
    job_commands,
    record_commands,
)
