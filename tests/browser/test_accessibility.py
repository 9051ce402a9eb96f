"""No axe-core violations (WCAG 2.1 A and AA) on any page of the shell, in Swedish and
English, at desktop width and at 320px (reflow); the skip link and the login form work with
the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from samverka.db import TenantScope, scoped
from samverka.testing.browser import (
    accessibility_problems,
    goto,
    log_in,
    submit_form,
    switch_language,
)

pytestmark = pytest.mark.browser


# --- page states ----------------------------------------------------------------------------


def offer_testplugin(pair, with_plugins, registry, db) -> None:
    with_plugins(pair.a, "testplugin")


def two_organisations(pair, with_plugins, registry, db) -> None:
    """Sunne's admin also reads in Torsby (the header shows the organisation switcher), and
    Sunne uses the test module (the service navigation has an item)."""
    from samverka.auth import services as accounts

    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        accounts.add_member(db, registry, pair.admin_a, pair.b, "reader")
    db.commit()
    with_plugins(pair.a, "testplugin")


def organisation_outside(pair, with_plugins, registry, db) -> None:
    """An organisation outside the consortium (its page offers to add it)."""
    from samverka.tenancy import services as tenancy

    tenancy.create_tenant(db, "hagfors", "Hagfors kommun", "municipality", "1783", 11000)
    db.commit()


def reader_uses_mfa(pair, with_plugins, registry, db) -> None:
    from samverka.testing.fixtures import enrol_totp

    enrol_totp(db, pair.reader_a.id)


def reset_link(pair, with_plugins, registry, db) -> str:
    """A fresh password-reset link for Sunne's reader (the page's address)."""
    from samverka.auth import reset

    _user, token = reset.request_reset(db, pair.reader_a.email, 30)
    db.commit()
    return f"/password/reset/{token}"


def failed_job(pair, with_plugins, registry, db) -> None:
    """A failed job in Sunne (the lists then show it with its retry button)."""
    from samverka.jobs.models import OutboxJob

    with scoped(db, TenantScope.for_tenant(pair.a.id)):
        db.add(
            OutboxJob(
                tenant_id=pair.a.id,
                job="core.count_to",
                arguments="{}",
                status="failed",
                attempts=5,
                error_class="RuntimeError",
                error_message="Unexpected error: see the worker's log for this job.",
            )
        )
        db.commit()


def running_job(pair, with_plugins, registry, db) -> str:
    """A job halfway (its progress page)."""
    from samverka.jobs.models import OutboxJob

    with scoped(db, TenantScope.for_tenant(pair.a.id)):
        job = OutboxJob(
            tenant_id=pair.a.id,
            job="core.count_to",
            arguments="{}",
            status="running",
            attempts=1,
            progress_done=7,
            progress_total=20,
            progress_message="Counting",
        )
        db.add(job)
        db.commit()
        return f"/t/sunne/jobs/{job.id}"


def archive_running(pair, with_plugins, registry, db) -> str:
    """An archive job halfway, in a tenant whose deletion is scheduled (the banner)."""
    from datetime import timedelta

    from samverka.clock import utcnow
    from samverka.jobs.models import OutboxJob

    pair.a.deletion_requested_at = utcnow()
    pair.a.deletion_due_at = utcnow() + timedelta(days=30)
    with scoped(db, TenantScope.for_tenant(pair.a.id)):
        job = OutboxJob(
            tenant_id=pair.a.id,
            job="core.tenant_archive",
            arguments="{}",
            status="running",
            attempts=1,
            progress_done=1,
            progress_total=2,
            progress_message="Exporting the organisation's data",
        )
        db.add(job)
        db.commit()
        return f"/t/sunne/admin/archive/{job.id}"


def archive_listed(pair, with_plugins, registry, db) -> None:
    archive_running(pair, with_plugins, registry, db)


def password_step(page) -> None:
    """The password step of a user with MFA: the page is then the code step."""
    from samverka.testing.fixtures import TEST_PASSWORD

    goto(page, "/login")
    page.fill("#email", "reader@sunne.test")
    page.fill("#password", TEST_PASSWORD)
    submit_form(page, "email", status=200)
    assert urlsplit(page.url).path == "/login/code", page.url


def enrol_in_the_page(page) -> None:
    """Set up MFA through the page (seed read off it): the recovery codes are then shown.
    (The language link then leads to the account page: the codes are shown only once.)"""
    from samverka.testing.fixtures import totp_code

    goto(page, "/account/mfa/setup")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("#code", totp_code(secret))
    submit_form(page, "code", status=200)
    assert page.locator("#recovery-codes li").count() == 10


def ask_for_a_link(page) -> None:
    goto(page, "/password/forgot")
    page.fill("#email", "nobody@sunne.test")
    submit_form(page, "email", status=200)
    assert page.locator("#reset-sent").is_visible()


def expect_error_summary(page) -> None:
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible(), "no error summary shown"
    assert summary.locator("a").count() >= 1, "the error summary links to no field"


def failed_login(page) -> None:
    page.fill("#email", "admin@sunne.test")
    page.fill("#password", "not the password")
    submit_form(page, "email", status=422)
    expect_error_summary(page)


def unknown_organisation(page) -> None:
    page.fill("#org_email", "anna@example.se")
    submit_form(page, "org_email", status=422)
    expect_error_summary(page)


def submit_empty(field_id: str) -> Callable:
    def act(page) -> None:
        submit_form(page, field_id, status=422)
        expect_error_summary(page)

    return act


def invalid_json(page) -> None:
    page.fill("#config", '{"greeting": "Hej",')
    submit_form(page, "config", status=422)
    expect_error_summary(page)


def bad_expiry(page) -> None:
    page.fill("#expires", "0")
    submit_form(page, "expires", status=422)
    expect_error_summary(page)


def token_created(page) -> None:
    """Not an error state: the page that shows a new token once (its panel and field)."""
    page.fill("#name", "Skript")
    submit_form(page, "name", status=200)
    assert page.locator("#new-token").input_value().startswith("svk_")


def audit_sample(tenant_pair, _with_plugins, _registry, db) -> None:
    """Entries and a sample to review, so the page shows both tables."""
    from samverka import clock
    from samverka.audit import record_event
    from samverka.audit.reviews import due_sample_reviews

    for n in range(3):
        record_event(
            db, "record.read", tenant_id=tenant_pair.a.id, target_type="record", target_id=n
        )
    db.commit()
    due_sample_reviews(db, clock.now())
    db.commit()


def bad_audit_date(page) -> None:
    page.fill("#start", "igår")
    submit_form(page, "start", status=422)
    expect_error_summary(page)


def records_world(pair, db) -> dict[str, int]:
    """Sunne's records: a confidential document in version 2 with an attachment, shared
    with Torsby, and a record Torsby shares with Sunne (the list marks it). Needs the app
    context the test pushes around ``setup``."""
    import io

    from samverka.records import services

    with scoped(db, TenantScope.for_tenant(pair.b.id, pair.admin_b.id)):
        theirs = services.create_record(
            db,
            record_type="core.minutes",
            title="Torsbys protokoll",
            data={"meeting_date": "2026-02-01"},
            user=pair.admin_b,
        )
        services.share_record(db, theirs, tenant=pair.a, user=pair.admin_b)
        db.commit()
    with scoped(db, TenantScope.for_tenant(pair.a.id, pair.admin_a.id)):
        record = services.create_record(
            db,
            record_type="core.document",
            title="Lägesbild centrum",
            data={"body": "Rad ett\nRad två", "status": "draft", "contact_person": "Anna"},
            classification="confidential",
            user=pair.admin_a,
        )
        services.update_record(
            db,
            record,
            title="Lägesbild centrum, mars",
            data={"status": "final"},
            user=pair.admin_a,
        )
        services.add_attachment(
            db,
            record,
            filename="underlag.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
            user=pair.admin_a,
        )
        services.share_record(
            db, record, tenant=pair.b, ground="OSL 10 kap. 2 §", user=pair.admin_a
        )
        db.commit()
        return {"record": record.id}


def records_list(pair, _with_plugins, _registry, db) -> None:
    records_world(pair, db)


def record_page(suffix: str, tenant: str = "sunne") -> Callable:
    def setup(pair, _with_plugins, _registry, db) -> str:
        return f"/t/{tenant}/records/{records_world(pair, db)['record']}{suffix}"

    return setup


def bad_share(page) -> None:
    page.select_option("#receiver", "tenant:torsby")
    submit_form(page, "receiver", status=422)
    expect_error_summary(page)


@dataclass(frozen=True)
class State:
    """A page, as whom, and how to get it into its error state (if it has a form)."""

    name: str
    path: str
    user: str | None = None  # a TenantPair attribute; None: not logged in
    status: int = 200
    setup: Callable | None = None  # (tenant_pair, with_plugins, registry, db); may return a path
    with_errors: Callable | None = None  # (page): post the form so that it shows errors
    enrol: bool = True  # administrators: enrol TOTP before logging in (they must use MFA)
    arrive: Callable | None = None  # (page): reach the page by actions instead of its path


PAGES = [
    State("login", "/login", with_errors=failed_login),
    State("login-organisation", "/login", with_errors=unknown_organisation),
    State("home-platform-admin", "/", "platform_admin"),
    State("home-consortium-admin", "/", "consortium_admin"),
    State("tenant-home", "/t/sunne/", "admin_a", setup=two_organisations),
    State("menu-group", "/t/sunne/menu/admin", "admin_a", setup=two_organisations),
    State("members", "/t/sunne/admin/members", "admin_a", with_errors=submit_empty("email")),
    State("modules", "/t/sunne/admin/modules", "admin_a", setup=offer_testplugin),
    State("sso-settings", "/t/sunne/admin/sso", "admin_a", with_errors=submit_empty("issuer")),
    State(
        "module-config",
        "/t/sunne/admin/modules/testplugin",
        "admin_a",
        setup=offer_testplugin,
        with_errors=invalid_json,
    ),
    State(
        "consortium",
        "/consortia/sutohamu/",
        "consortium_admin",
        setup=organisation_outside,
        with_errors=submit_empty("slug"),
    ),
    State(
        "consortium-module-settings",
        "/consortia/sutohamu/modules/testplugin/settings",
        "consortium_admin",
        setup=offer_testplugin,
        with_errors=invalid_json,
    ),
    State(
        "consortium-admins",
        "/consortia/sutohamu/admins",
        "platform_admin",
        with_errors=submit_empty("email"),
    ),
    State(
        "platform-consortia",
        "/admin/consortia",
        "platform_admin",
        with_errors=submit_empty("county_code"),
    ),
    State("platform-users", "/admin/users", "platform_admin", with_errors=submit_empty("password")),
    State("api-tokens", "/t/sunne/api-tokens/", "admin_a", with_errors=bad_expiry),
    State(
        "audit-log",
        "/t/sunne/admin/audit/",
        "admin_a",
        setup=audit_sample,
        with_errors=bad_audit_date,
    ),
    State("api-token-created", "/t/sunne/api-tokens/", "reader_a", with_errors=token_created),
    State("records-list", "/t/sunne/records/", "admin_a", setup=records_list),
    State(
        "record-new",
        "/t/sunne/records/new/core.document",
        "admin_a",
        with_errors=submit_empty("title"),
    ),
    State("record-detail", "", "admin_a", setup=record_page("")),
    State("record-detail-receiver", "", "reader_b", setup=record_page("", "torsby")),
    State("record-diff", "", "admin_a", setup=record_page("/versions/2")),
    State("record-share", "", "admin_a", setup=record_page("/shares/new"), with_errors=bad_share),
    State("not-found", "/no-such-page", "admin_a", status=404),
    State("jobs", "/t/sunne/jobs/", "admin_a", setup=failed_job),
    State("jobs-none-failed", "/t/sunne/jobs/", "admin_a"),
    State("platform-jobs", "/admin/jobs/", "platform_admin", setup=failed_job),
    State("archive", "/t/sunne/admin/archive/", "admin_a", setup=archive_listed),
    State("archive-job", "/t/sunne/admin/archive/", "admin_a", setup=archive_running),
    State("platform-tenants", "/admin/tenants", "platform_admin"),
    State(
        "platform-tenant-delete",
        "/admin/tenants/sunne/delete",
        "platform_admin",
        with_errors=submit_empty("confirm"),
    ),
    State(
        "platform-tenant-pending",
        "/admin/tenants/sunne/delete",
        "platform_admin",
        setup=archive_listed,
    ),
    State("job-progress", "/t/sunne/jobs/", "reader_a", setup=running_job),
    State("plugin-page", "/t/sunne/testplugin/", "admin_a", setup=offer_testplugin),
    State(
        "login-code",
        "/login/code",
        setup=reader_uses_mfa,
        arrive=password_step,
        with_errors=submit_empty("code"),
    ),
    State("mfa-setup", "/account/mfa/setup", "reader_a", with_errors=submit_empty("code")),
    State("mfa-setup-required", "/account/mfa/setup", "admin_a", enrol=False),
    State(
        "mfa-recovery-codes",
        "/account/mfa/recovery-codes",
        "reader_a",
        setup=reader_uses_mfa,
        with_errors=submit_empty("code"),
    ),
    State("mfa-recovery-codes-shown", "/account/mfa/setup", "reader_a", arrive=enrol_in_the_page),
    State("account", "/account/", "reader_a"),
    State(
        "account-password",
        "/account/password",
        "reader_a",
        with_errors=submit_empty("current_password"),
    ),
    State("forgot-password", "/password/forgot", with_errors=submit_empty("email")),
    State("password-link-sent", "/password/forgot", arrive=ask_for_a_link),
    State(
        "reset-password",
        "/password/reset/",
        setup=reset_link,
        with_errors=submit_empty("new_password"),
    ),
    State("reset-link-used", "/password/reset/no-such-link", status=410),
]


@pytest.mark.parametrize("state", PAGES, ids=lambda state: state.name)
def test_no_axe_violations(page, app, tenant_pair, with_plugins, registry, db, state):
    """The page in Swedish (what a Swedish browser gets), then in English (the header's
    language link), each as loaded and, for a form, after a submission with errors."""
    path = state.path
    if state.setup is not None:
        with app.test_request_context():  # services (records) ask the app's runtime
            path = state.setup(tenant_pair, with_plugins, registry, db) or path
    user = getattr(tenant_pair, state.user) if state.user else None
    secret = totp_secret_for(db, user) if user is not None and state.enrol else None
    db.close()  # the live server's threads use their own sessions
    if user is not None:
        log_in(page, user.email, totp_secret=secret)
    if state.arrive is not None:
        state.arrive(page)
    else:
        goto(page, path, state.status)
    problems = []
    for locale in ("sv", "en"):
        if locale != "sv":
            switch_language(page, locale, status=state.status)
        assert page.get_attribute("html", "lang") == locale
        problems += accessibility_problems(page, f"{state.name} [{locale}]")
        if state.with_errors is not None:
            state.with_errors(page)
            assert page.get_attribute("html", "lang") == locale
            problems += accessibility_problems(page, f"{state.name} with errors [{locale}]")
    assert not problems, "\n".join(problems)


def totp_secret_for(db, user) -> str | None:
    """Enrol an administrator (or a user who already has MFA) with the test seed."""
    from samverka.auth.mfa import requires_mfa
    from samverka.testing.fixtures import enrol_totp

    db.refresh(user)
    if user.mfa_enabled or requires_mfa(db, user):
        return enrol_totp(db, user.id)
    return None


# --- keyboard -------------------------------------------------------------------------------


def focused(page) -> dict:
    """The focused element; ``indicator``: whether it looks different when not focused."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const box = el.getBoundingClientRect();
          const look = () => {
            const s = getComputedStyle(el);
            return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow,
                    s.backgroundColor, s.color, s.borderColor, s.textDecorationLine].join('|');
          };
          const focusedLook = look();
          el.blur();
          const blurredLook = look();
          el.focus();
          return {tag: el.tagName.toLowerCase(), id: el.id, classes: el.className || '',
                  href: el.getAttribute('href'), type: el.getAttribute('type'),
                  width: box.width, height: box.height,
                  indicator: focusedLook !== blurredLook};
        }"""
    )


def test_login_with_the_keyboard_only(page, tenant_pair, db):
    email = tenant_pair.reader_a.email  # administrators have a second step (MFA)
    db.close()
    goto(page, "/login")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert "govuk-skip-link" in skip["classes"], f"the first Tab stop is {skip}"
    assert skip["href"] == "#main-content"
    assert skip["width"] > 1 and skip["height"] > 1, "the focused skip link is not visible"

    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main-content", "the skip link did not move focus to <main>"

    page.keyboard.press("Tab")
    field = focused(page)
    assert field["id"] == "email", f"Tab from <main> reaches {field}, not the e-mail field"
    assert field["indicator"], "the focused e-mail field shows no focus indicator"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    field = focused(page)
    assert field["id"] == "password", f"after the e-mail field, focus is on {field}"
    assert field["indicator"], "the focused password field shows no focus indicator"
    page.keyboard.type(tenant_pair.password)
    page.keyboard.press("Tab")
    if "govuk-password-input__toggle" in focused(page)["classes"]:  # "Show" (the password)
        page.keyboard.press("Tab")
    button = focused(page)
    assert button["type"] == "submit", f"after the password, focus is on {button}"
    assert button["indicator"], "the focused button shows no focus indicator"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/t/sunne/", page.url  # her only organisation
    assert page.locator(".samverka-header").get_by_text(tenant_pair.reader_a.name).is_visible()
