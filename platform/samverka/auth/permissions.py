"""Permissions decided in one place.

Named actions (``<scope>:<resource>:<action>``) are registered by the core and by plugins and
granted to roles. The decision is deny by default, and any deny vetoes every grant. Views, the
API and the CLI all ask :func:`authorize`; lists ask :meth:`PermissionRegistry.roles_allowed`
so the same rule becomes a SQL filter.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache

ACTION_PATTERN = re.compile(r"^(tenant|consortium|platform):[a-z0-9_]+:[a-z0-9_]+$")


@dataclass(frozen=True)
class Role:
    """A role; ``level`` says where it is held: in a tenant, a consortium or the platform."""

    name: str
    label: str
    level: str = "tenant"
    description: str = ""
    plugin: str | None = None


@dataclass(frozen=True)
class Permission:
    """A named action with the roles it is granted to (and denied to) by default.

    ``own_authority``: in a tenant, decided only on the roles the organisation itself gave
    (and platform roles), never on power that comes through a consortium (the consortium
    administrator role, or a role granted through it): the organisation's own decisions,
    e.g. its login and its consortium memberships.
    """

    action: str
    description: str
    grant: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    plugin: str | None = None
    own_authority: bool = False

    @property
    def scope(self) -> str:
        return self.action.split(":", 1)[0]


class UnknownAction(LookupError):
    """A programming error: the action was never registered (a typo would otherwise deny)."""


@dataclass
class PermissionRegistry:
    """Roles, actions and the grant/deny rules that join them."""

    roles: dict[str, Role] = field(default_factory=dict)
    permissions: dict[str, Permission] = field(default_factory=dict)
    grants: dict[str, set[str]] = field(default_factory=dict)
    denies: dict[str, set[str]] = field(default_factory=dict)

    def add_role(self, role: Role) -> None:
        if role.name in self.roles and self.roles[role.name] != role:
            raise ValueError(f"role {role.name!r} registered twice with different definitions")
        self.roles[role.name] = role

    def add_permission(self, permission: Permission) -> None:
        if not ACTION_PATTERN.match(permission.action):
            raise ValueError(
                f"action {permission.action!r} must look like <scope>:<resource>:<action>"
            )
        if permission.action in self.permissions:
            raise ValueError(f"action {permission.action!r} registered twice")
        self.permissions[permission.action] = permission
        for role in permission.grant:
            self.grant(role, permission.action)
        for role in permission.deny:
            self.deny(role, permission.action)

    def grant(self, role: str, pattern: str) -> None:
        self.grants.setdefault(role, set()).add(pattern)
        self._decide.cache_clear()

    def deny(self, role: str, pattern: str) -> None:
        self.denies.setdefault(role, set()).add(pattern)
        self._decide.cache_clear()

    def check_known(self, action: str) -> Permission:
        try:
            return self.permissions[action]
        except KeyError:
            raise UnknownAction(action) from None

    def decide(self, roles: frozenset[str], action: str) -> bool:
        """True only when some role grants the action and no role denies it."""
        self.check_known(action)
        return self._decide(roles, action)

    @lru_cache(maxsize=4096)  # noqa: B019 - the registry lives as long as the app
    def _decide(self, roles: frozenset[str], action: str) -> bool:
        if any(_matches(self.denies.get(role, ()), action) for role in roles):
            return False
        return any(_matches(self.grants.get(role, ()), action) for role in roles)

    def roles_allowed(self, action: str) -> tuple[frozenset[str], frozenset[str]]:
        """(roles that grant, roles that deny) the action: the decision as a SQL filter."""
        self.check_known(action)
        granting = {r for r, patterns in self.grants.items() if _matches(patterns, action)}
        denying = {r for r, patterns in self.denies.items() if _matches(patterns, action)}
        return frozenset(granting - denying), frozenset(denying)

    def __hash__(self) -> int:  # lru_cache on a method needs a hashable self
        return id(self)


def _matches(patterns: object, action: str) -> bool:
    return any(p == action or fnmatch.fnmatchcase(action, p) for p in patterns)  # type: ignore[attr-defined]
