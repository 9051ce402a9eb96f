"""Single sign-on: log in through the organisation's OpenID Connect provider.

``/login/sso/<slug>`` starts the Authorization Code flow (PKCE S256, state, nonce) with a
client built from the tenant's stored settings; ``/login/sso/<slug>/callback`` lets Authlib
verify the ID token (signature, iss, aud, exp, nonce), then provisions the user in that tenant
(:mod:`samverka.auth.sso.provisioning`). Every failure flashes a Swedish message and returns
to ``/login``; the log (``samverka.sso``) gets the tenant and a fixed reason, never tokens,
codes, claims or secrets. The URL variable is ``slug``, not ``tenant_slug``: these pages are
used before anyone is signed in, outside the tenant's (members-only) URL space.

``POST /account/sso-link`` starts the same flow for someone signed in with their password
who asks to link their account to their organisation's login; the callback then binds the
account (:func:`samverka.auth.sso.provisioning.link`) instead of signing anyone in. The
session marks such a flow (``sso_link``); a login flow started later clears the mark.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from authlib.common.urls import add_params_to_uri
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf import wtforms_widgets as gov
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional

from samverka.audit import logins, record_event
from samverka.audit.context import SYSTEM, acting_as
from samverka.audit.events import DETAIL_TEXT
from samverka.auth.sso import client as oidc
from samverka.auth.sso import domains as sso_domains
from samverka.auth.sso import services as sso
from samverka.auth.sso.assurance import vouches_second_factor
from samverka.auth.sso.models import IdentityProvider
from samverka.auth.sso.provisioning import SsoRefused, check_linkable, link, sign_in
from samverka.db import SCOPE_FREE, TenantScope, set_scope
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Tenant
from samverka.web import sso_domains as claims_page
from samverka.web.context import current_session, current_user, require
from samverka.web.forms import (
    ActionForm,
    BaseForm,
    GovPasswordInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
    LoginForm,
    save,
)
from samverka.web.signin import establish_session

log = logging.getLogger("samverka.sso")
bp = Blueprint("sso", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/t/<tenant_slug>/admin/sso")

PROVIDER_DOWN = _l("Your organisation's login service does not answer. Try again later.")
LOGIN_FAILED = _l("The login through your organisation failed. Try again.")
NOT_SET_UP = _l("Single sign-on is not set up for this organisation.")
PENDING_NOTE = _l(
    "New e-mail domains take effect once the platform administrators have approved them."
)
# The ID token rides in the session cookie only as the logout's id_token_hint; a large one
# (many groups) would push the cookie past the browsers' 4 KB, so it is then left out and the
# provider asks the user to confirm the logout instead.
ID_TOKEN_HINT_MAX = 2000
LINK_KEY = "sso_link"  # the session's mark of a flow that links, rather than signs in


class SsoLookupForm(BaseForm):
    """The login page's "log in with your organisation" form (its own field id)."""

    org_email = StringField(
        _l("Your e-mail address at work"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your e-mail address."))],
    )
    sso_submit = SubmitField(_l("Continue to your organisation's login"), widget=GovSubmitInput())


@bp.app_context_processor
def _lookup_form() -> dict:
    """Lets ``login.html`` render the SSO section whichever view renders the page, and
    ``account.html`` its "link to your organisation's login" section."""
    return {
        "new_sso_lookup_form": lambda: SsoLookupForm(formdata=None),
        "sso_account_link": account_link,
    }


def account_link(user) -> dict | None:
    """What the account page says about single sign-on: the organisation the account is
    bound to, or the one it could be linked to (the e-mail's verified domain, an enabled
    provider), or None."""
    database = db_session()
    if user.is_bound:
        tenant = database.get(Tenant, user.idp_tenant_id)
        return {"linked": True, "tenant": tenant}
    tenant = sso.tenant_for_email(database, user.email)
    if tenant is None or not sso.provider_enabled(database, tenant):
        return None
    return {"linked": False, "tenant": tenant, "form": ActionForm()}


@bp.route("/login/sso", methods=["GET", "POST"])
def lookup():
    """Find the organisation by the e-mail's domain and go to its SSO start (a GET, e.g. the
    language switch on the answer page, shows the login page)."""
    if request.method == "GET":
        return redirect(url_for("auth.login"))
    form = SsoLookupForm()
    if form.validate_on_submit():
        tenant = sso.tenant_for_email(db_session(), form.org_email.data)
        if tenant is not None:
            return render_template(
                "onward.html",
                target=url_for(".start", slug=tenant.slug),
                title=_("Continue to your organisation's login"),
                explanation=_(
                    "%(name)s logs its staff in through its own login.", name=tenant.name
                ),
                link_text=_("Continue to the login of %(name)s", name=tenant.name),
            )
        form.org_email.errors = [
            _("No organisation logs in with that e-mail domain. Use your password instead.")
        ]
    return render_template("login.html", form=LoginForm(formdata=None), sso_form=form), 422


@bp.get("/login/sso/<slug>")
def start(slug: str):
    session.pop(LINK_KEY, None)  # a login, whatever was started before
    return _authorize(slug, _refuse)


@bp.get("/login/sso/<slug>/callback")
def callback(slug: str):
    linking = session.pop(LINK_KEY, None)
    refuse = _refuse_link if linking else _refuse
    tenant, provider = _load(slug)
    if provider is None or not provider.enabled:
        return refuse(slug, "not_configured", NOT_SET_UP)
    client = oidc.build_client(provider, slug)
    try:
        oidc.load_metadata(client, provider)
        token = client.authorize_access_token(claims_options=oidc.claims_options(provider))
        claims = _claims(client, token, provider)
    except oidc.FLOW_ERRORS as error:
        return refuse(slug, "token_rejected", LOGIN_FAILED, error)
    oidc.remember(client, provider)
    if linking:
        return _finish_link(linking, tenant, provider, claims)
    database = db_session()
    try:
        with acting_as(SYSTEM, label="sso"):  # provisioning on the provider's word
            user = sign_in(database, runtime().registry, tenant, provider, claims)
    except SsoRefused as refusal:  # commits earlier revocations
        return _refuse(slug, refusal.reason, refusal.message, account=refusal.user)
    # the verified ID token's word only (``token["userinfo"]``), never the userinfo answer
    second_factor = vouches_second_factor(provider, token["userinfo"])
    logins.login_succeeded(
        database, user, method="sso", sso_tenant_id=tenant.id, provider_mfa=second_factor
    )
    database.commit()
    hint = token["id_token"] if len(token["id_token"]) <= ID_TOKEN_HINT_MAX else None
    establish_session(
        user, method="sso", sso_tenant=tenant, second_factor=second_factor, sso_id_token=hint
    )
    log.info("sso login for tenant %s (user %s)", slug, user.id)
    return redirect(url_for("shell.tenant_home", tenant_slug=slug))


@bp.post("/account/sso-link")
def start_link():
    """Someone signed in with their password asks to link the account to the login of the
    organisation whose verified domain their e-mail is in; checked now and again when the
    provider answers."""
    user = current_user()
    if user is None:
        abort(401)
    if not ActionForm().validate_on_submit():
        abort(400)
    tenant = sso.tenant_for_email(db_session(), user.email)
    if tenant is None:
        flash(_("No organisation's login can be linked to your e-mail address."), "error")
        return redirect(url_for("account.overview"))
    try:
        check_linkable(db_session(), tenant, user)
    except SsoRefused as refusal:
        return _refuse_link(tenant.slug, refusal.reason, refusal.message)
    session[LINK_KEY] = {"user": user.id, "tenant": tenant.slug}
    return _authorize(tenant.slug, _refuse_link)


def _authorize(slug: str, refuse: Callable):
    """Send the browser to the tenant's provider (Authorization Code, PKCE, state, nonce)."""
    _tenant, provider = _load(slug)
    if provider is None or not provider.enabled:
        return refuse(slug, "not_configured", NOT_SET_UP)
    client = oidc.build_client(provider, slug)
    try:
        oidc.load_metadata(client, provider)
        response = client.authorize_redirect(url_for(".callback", slug=slug, _external=True))
    except oidc.FLOW_ERRORS as error:
        return refuse(slug, "provider_unreachable", PROVIDER_DOWN, error)
    oidc.remember(client, provider)
    return response


def _finish_link(linking: dict, tenant: Tenant, provider: IdentityProvider, claims: dict):
    """The provider answered a link flow: bind the signed-in account that started it."""
    user = current_user()
    if (
        user is None
        or not isinstance(linking, dict)
        or linking.get("user") != user.id
        or linking.get("tenant") != tenant.slug
    ):
        return _refuse_link(tenant.slug, "not_signed_in", LOGIN_FAILED)
    database = db_session()
    try:
        link(database, tenant, provider, claims, user)
    except SsoRefused as refusal:
        return _refuse_link(tenant.slug, refusal.reason, refusal.message)
    database.commit()
    log.info("sso link for tenant %s (user %s)", tenant.slug, user.id)
    flash(_("Your account is linked to the login of %(name)s.", name=tenant.name), "success")
    return redirect(url_for("account.overview"))


def end_session_url() -> str | None:
    """Where ``POST /logout`` sends someone who signed in through SSO: the provider's
    ``end_session_endpoint`` (RP-initiated logout), or None for a local logout only.

    Called before the session ends. The ID token kept with the server-side session is the
    user's own and serves only as ``id_token_hint`` here.
    """
    row = current_session()
    if row is None or row.method != "sso" or row.sso_tenant_id is None:
        return None
    bound = db_session().get(Tenant, row.sso_tenant_id, execution_options=SCOPE_FREE)
    if bound is None:
        return None
    slug = bound.slug
    _tenant, provider = _load(slug)
    if provider is None:
        return None
    client = oidc.build_client(provider, slug)
    try:
        endpoint = oidc.load_metadata(client, provider).get("end_session_endpoint")
    except oidc.FLOW_ERRORS as error:
        log.warning("sso logout for tenant %s: provider unreachable (%s)", slug, _kind(error))
        return None
    oidc.remember(client, provider)
    if not endpoint:
        return None
    params = {
        "post_logout_redirect_uri": url_for("auth.login", _external=True),
        "client_id": provider.client_id,
    }
    if row.sso_id_token:
        params["id_token_hint"] = row.sso_id_token
    return add_params_to_uri(endpoint, params)


def _load(slug: str) -> tuple[Tenant | None, IdentityProvider | None]:
    """The tenant and its provider; the request is scoped to that tenant from here on (the
    provider row and the memberships SSO writes are tenant-owned)."""
    database = db_session()
    tenant = database.scalar(
        select(Tenant).where(Tenant.slug == slug).execution_options(**SCOPE_FREE)
    )
    if tenant is None:
        return None, None
    set_scope(database, TenantScope.for_tenant(tenant.id))
    return tenant, sso.get_provider(database, tenant)


def _claims(client, token: dict, provider: IdentityProvider) -> dict:
    """The verified ID token's claims, completed from the userinfo endpoint when the token
    lacks the e-mail or groups claim (some providers put them only there)."""
    claims = token.get("userinfo")
    if not claims:  # no ID token, or no nonce in the stored state: nothing was verified
        raise ValueError("no verified ID token")
    claims = dict(claims)
    wanted = (provider.email_claim, provider.groups_claim)
    if all(name in claims for name in wanted):
        return claims
    if not client.load_server_metadata().get("userinfo_endpoint"):
        return claims
    extra = client.userinfo(token=token)
    if extra.get("sub") != claims.get("sub"):
        raise ValueError("userinfo is about someone else")
    return {**extra, **claims}


def _refuse(
    slug: str,
    reason: str,
    message: object,
    error: Exception | None = None,
    *,
    account=None,
):
    """A refused login: ``account`` is the existing account the provider's word was about,
    if any (named by id in the audit log, so an organisation trying others' accounts shows)."""
    if error is None:
        log.warning("sso login refused for tenant %s: %s", slug, reason)
    else:
        log.warning("sso login refused for tenant %s: %s (%s)", slug, reason, _kind(error))
    logins.login_failed(
        db_session(),
        reason=reason,
        outcome="denied",
        method="sso",
        user=account,
        sso_tenant=slug,
    )
    db_session().commit()
    flash(str(message), "error")
    return redirect(url_for("auth.login"))


def _refuse_link(slug: str, reason: str, message: object, error: Exception | None = None):
    """A refused link: audited in the platform chain (a fixed reason word, never claim
    values), the message on the account page; the account stays as it was."""
    details = f" ({_kind(error)})" if error is not None else ""
    log.warning("sso link refused for tenant %s: %s%s", slug, reason, details)
    user = current_user()
    record_event(
        db_session(),
        "sso.account_link",
        tenant_id=None,
        target_type="user" if user is not None else None,
        target_id=user.id if user is not None else None,
        outcome="denied",
        details={"reason": reason, "sso_tenant": _plain_slug(slug)},
    )
    db_session().commit()
    flash(str(message), "error")
    return redirect(url_for("account.overview") if user is not None else url_for("auth.login"))


def _plain_slug(slug: str) -> str | None:
    """A slug from the URL for the audit log only if it is a plain name."""

    return slug if DETAIL_TEXT.match(slug or "") else None


def _kind(error: Exception) -> str:
    """The error's class, its code and the claim it concerns: never its text or the claim's
    value (either may echo what the provider or the browser sent)."""
    parts = [type(error).__name__]
    for attribute in ("error", "claim"):
        value = getattr(error, attribute, None)
        if isinstance(value, str):
            parts.append(value)
    return ":".join(parts)


# --- the tenant's settings page ---------------------------------------------------------------


class ProviderForm(BaseForm):
    issuer = StringField(
        _l("Issuer"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter the issuer."))],
    )
    client_id = StringField(
        _l("Client ID"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter the client ID."))],
    )
    client_secret = PasswordField(
        _l("Client secret"), widget=GovPasswordInput(), validators=[Optional()]
    )
    scopes = StringField(_l("Scopes"), widget=GovTextInput(), default="openid email profile")
    email_claim = StringField(_l("Claim with the e-mail address"), widget=GovTextInput())
    groups_claim = StringField(_l("Claim with the groups"), widget=GovTextInput())
    role_map = TextAreaField(_l("Groups and roles"), widget=GovTextArea())
    domains = TextAreaField(_l("E-mail domains"), widget=GovTextArea())
    mfa_amr = StringField(
        _l("Methods (amr) that count as two-step verification"),
        widget=GovTextInput(),
        default="mfa",
    )
    mfa_acr = StringField(
        _l("Assurance levels (acr) that count as two-step verification"),
        widget=GovTextInput(),
    )
    enabled = BooleanField(
        _l("Allow logging in through this provider"), widget=gov.GovCheckboxInput(), default=True
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


@admin_bp.route("", methods=["GET", "POST"])
def settings():
    require("tenant:identity:manage")
    database = db_session()
    current = sso.current_settings(database, g.tenant)
    form = ProviderForm()
    if request.method == "GET" and current is not None:
        _fill(form, current)
    elif request.method == "GET":
        form.email_claim.data, form.groups_claim.data = "email", "groups"
    elif save(form, _saver(form), _("The login settings were saved.")):
        if any(not c.verified for c in sso_domains.tenant_claims(database, g.tenant)):
            flash(PENDING_NOTE, "info")
        return redirect(url_for(".settings"))
    return render_template(
        "sso_settings.html",
        form=form,
        configured=current is not None,
        domain_claims=sso_domains.tenant_claims(database, g.tenant),
        remove_form=ActionForm(),
        callback_url=url_for("sso.callback", slug=g.tenant.slug, _external=True),
        logout_url=url_for("auth.login", _external=True),
    ), (422 if form.errors else 200)


@admin_bp.post("/remove")
def remove():
    require("tenant:identity:manage")
    sso.remove_provider(db_session(), g.tenant)
    db_session().commit()
    flash(_("Single sign-on was switched off and its settings removed."), "success")
    return redirect(url_for(".settings"))


def _fill(form: ProviderForm, current: sso.ProviderSettings) -> None:
    form.issuer.data = current.issuer
    form.client_id.data = current.client_id
    form.scopes.data = current.scopes
    form.email_claim.data = current.email_claim
    form.groups_claim.data = current.groups_claim
    form.role_map.data = sso.format_role_map(current.role_map)
    form.domains.data = "\n".join(current.domains)
    form.mfa_amr.data = " ".join(current.mfa_amr)
    form.mfa_acr.data = " ".join(current.mfa_acr)
    form.enabled.data = current.enabled


def _saver(form: ProviderForm) -> Callable[[], object]:
    def change() -> object:
        return sso.set_provider(
            db_session(),
            runtime().registry,
            g.tenant,
            sso.ProviderSettings(
                issuer=form.issuer.data,
                client_id=form.client_id.data,
                client_secret=form.client_secret.data or None,
                scopes=form.scopes.data,
                email_claim=form.email_claim.data,
                groups_claim=form.groups_claim.data,
                role_map=sso.parse_role_map(form.role_map.data),
                domains=sso.parse_domains(form.domains.data),
                enabled=form.enabled.data,
                mfa_amr=sso.parse_values(form.mfa_amr.data),
                mfa_acr=sso.parse_values(form.mfa_acr.data),
            ),
        )

    return change


bp.register_blueprint(admin_bp)
bp.register_blueprint(claims_page.bp)  # the platform administrators' page of claims
