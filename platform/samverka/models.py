"""Imports every core model so that ``Base.metadata`` is complete (migrations, checks)."""

from samverka.auth.models import (
    ConsortiumAdmin,
    LoginAttempt,
    PasswordResetToken,
    RecoveryCode,
    User,
)
from samverka.plugins.models import ConsortiumPlugin, PlatformPluginSetting, TenantPlugin
from samverka.tenants.models import Consortium, Membership, Tenant, TenantKind, consortium_tenants

__all__ = [
    "Consortium",
    "ConsortiumAdmin",
    "ConsortiumPlugin",
    "LoginAttempt",
    "Membership",
    "PasswordResetToken",
    "PlatformPluginSetting",
    "RecoveryCode",
    "Tenant",
    "TenantKind",
    "TenantPlugin",
    "User",
    "consortium_tenants",
]
