"""The permission registry: named actions, deny by default, any deny vetoes."""

from __future__ import annotations

import pytest

from samverka.auth.permissions import Permission, PermissionRegistry, UnknownAction


@pytest.fixture
def registry() -> PermissionRegistry:
    registry = PermissionRegistry()
    registry.add_permission(Permission("tenant:report:read", "read", ("reader", "coordinator")))
    registry.add_permission(Permission("tenant:report:write", "write", ("coordinator",)))
    registry.add_permission(
        Permission("tenant:intox_case:read", "cases", ("coordinator",), deny=("ngo_staff",))
    )
    return registry


def test_deny_by_default(registry):
    assert not registry.decide(frozenset(), "tenant:report:read")
    assert not registry.decide(frozenset({"reader"}), "tenant:report:write")


def test_grant(registry):
    assert registry.decide(frozenset({"reader"}), "tenant:report:read")


def test_any_deny_vetoes_every_grant(registry):
    assert registry.decide(frozenset({"coordinator"}), "tenant:intox_case:read")
    assert not registry.decide(frozenset({"coordinator", "ngo_staff"}), "tenant:intox_case:read")


def test_wildcard_grants_and_denies(registry):
    registry.grant("auditor", "tenant:*:read")
    assert registry.decide(frozenset({"auditor"}), "tenant:report:read")
    assert not registry.decide(frozenset({"auditor"}), "tenant:report:write")
    registry.deny("auditor", "tenant:intox_case:*")
    assert not registry.decide(frozenset({"auditor"}), "tenant:intox_case:read")


def test_an_unknown_action_is_an_error_not_a_silent_deny(registry):
    with pytest.raises(UnknownAction):
        registry.decide(frozenset({"reader"}), "tenant:reprot:read")


@pytest.mark.parametrize("action", ["report:read", "county:report:read", "tenant:Report:read"])
def test_action_names_are_checked(registry, action):
    with pytest.raises(ValueError, match="<scope>:<resource>:<action>"):
        registry.add_permission(Permission(action, "bad"))


def test_an_action_is_registered_once(registry):
    with pytest.raises(ValueError, match="twice"):
        registry.add_permission(Permission("tenant:report:read", "again"))


def test_roles_allowed_is_the_decision_as_a_filter(registry):
    granting, denying = registry.roles_allowed("tenant:intox_case:read")
    assert granting == {"coordinator"}
    assert denying == {"ngo_staff"}
