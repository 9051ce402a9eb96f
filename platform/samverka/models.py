"""Imports every core model so that ``Base.metadata`` is complete (migrations, checks)."""

from samverka.audit.models import AuditChainHead, AuditEntry, AuditReview
from samverka.auth.models import (
    ConsortiumAdmin,
    LoginAttempt,
    PasswordResetToken,
    RecoveryCode,
    User,
)
from samverka.auth.session_models import UserSession
from samverka.auth.sso.models import IdentityProvider, SsoDomain, SsoRoleGrant
from samverka.auth.token_models import ApiToken
from samverka.jobs.models import OutboxJob
from samverka.plugins.models import ConsortiumPlugin, PlatformPluginSetting, TenantPlugin
from samverka.records import visibility  # noqa: F401 - the sharing rule the ORM applies
from samverka.records.models import Attachment, Record, RecordShare, RecordVersion
from samverka.tenants.models import (
    Consortium,
    ConsortiumInvitation,
    Membership,
    Tenant,
    TenantKind,
    consortium_tenants,
)
from samverka.workflows.action_plans.services import PlanCause, PlanFollowUp, PlanMeasure
from samverka.workflows.councils.services import (
    CouncilAssignment,
    CouncilDecision,
    CouncilMeeting,
    CouncilMember,
)
from samverka.workflows.decisions import Decision
from samverka.workflows.rounds.models import (
    PictureFigure,
    PictureSummary,
    ReportCategory,
    ReportingRound,
    ReportUnit,
    RoundReport,
    RoundUnit,
)

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditChainHead",
    "AuditEntry",
    "AuditReview",
    "Consortium",
    "ConsortiumAdmin",
    "ConsortiumInvitation",
    "ConsortiumPlugin",
    "CouncilAssignment",
    "CouncilDecision",
    "CouncilMeeting",
    "CouncilMember",
    "Decision",
    "IdentityProvider",
    "LoginAttempt",
    "Membership",
    "OutboxJob",
    "PasswordResetToken",
    "PictureFigure",
    "PictureSummary",
    "PlanCause",
    "PlanFollowUp",
    "PlanMeasure",
    "PlatformPluginSetting",
    "Record",
    "RecordShare",
    "RecordVersion",
    "RecoveryCode",
    "ReportCategory",
    "ReportUnit",
    "ReportingRound",
    "RoundReport",
    "RoundUnit",
    "SsoDomain",
    "SsoRoleGrant",
    "Tenant",
    "TenantKind",
    "TenantPlugin",
    "User",
    "UserSession",
    "consortium_tenants",
]
