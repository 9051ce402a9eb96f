"""Demo data (idempotent): the consortia, organisations and logins, then a year of the
statutory cycle (reporting rounds and pictures, action plans and councils, agreements and
pledges), then the installed plugins enabled with their own demo data. Run by ``samverka
seed-demo`` and ``samverka demo``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from samverka.auth.permissions import PermissionRegistry
from samverka.demo import agreements as agreements_demo
from samverka.demo import plugins as plugin_demo
from samverka.demo.action_plans import seed_plans
from samverka.demo.organisations import (
    CONSORTIA,
    DEMO_PASSWORD,
    LOGINS,
    TENANTS,
    logins_text,
    seed_organisations,
)
from samverka.demo.rounds import seed_rounds
from samverka.runtime import runtime

__all__ = ["CONSORTIA", "DEMO_PASSWORD", "LOGINS", "TENANTS", "logins_text", "seed"]


def seed(session: Session, registry: PermissionRegistry) -> dict[str, int]:
    """Create what is missing; leave what exists. Returns counts of what was created."""
    created = seed_organisations(session, registry)
    # the statutory cycle: a year of rounds and pictures first, so that the action plans
    # link their causes to the compiled pictures' problems
    seed_rounds(session, registry)
    seed_plans(session)
    created.update(agreements_demo.seed_agreements(session))
    created.update(_seed_plugins(session))
    return created


def _seed_plugins(session: Session) -> dict[str, int]:
    """Installed plugins enabled for the demo municipalities, then their own demo data."""
    host = runtime().host
    created = {
        "plugin_enablements": plugin_demo.enable_everywhere(
            session, host, [c[0] for c in CONSORTIA]
        )
    }
    session.flush()
    created.update(plugin_demo.seed_plugin_data(session, host))
    return created
