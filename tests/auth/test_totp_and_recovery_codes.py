"""TOTP and recovery codes as services: clock drift, single use, the seed encrypted at rest,
and who must use MFA."""

from __future__ import annotations

import pyotp
from sqlalchemy import text

from samverka.auth import mfa
from samverka.auth.models import RecoveryCode
from samverka.db import TenantScope, scoped
from samverka.testing.fixtures import enrol_totp


def test_one_step_of_drift_either_way_and_no_more(db, tenant_pair, frozen_clock):
    secret = enrol_totp(db, tenant_pair.reader_a.id)
    user = tenant_pair.reader_a
    db.refresh(user)
    totp = pyotp.TOTP(secret)
    assert not mfa.verify_totp(db, user, totp.at(frozen_clock.moment, counter_offset=-2))
    assert not mfa.verify_totp(db, user, totp.at(frozen_clock.moment, counter_offset=2))
    assert mfa.verify_totp(db, user, totp.at(frozen_clock.moment, counter_offset=-1))
    assert mfa.verify_totp(db, user, totp.at(frozen_clock.moment, counter_offset=1))
    assert not mfa.verify_totp(db, user, totp.at(frozen_clock.moment))  # older than the last


def test_the_seed_is_encrypted_at_rest(db, tenant_pair):
    secret = enrol_totp(db, tenant_pair.reader_a.id)
    stored = db.execute(
        text("SELECT totp_secret FROM users WHERE id = :id"), {"id": tenant_pair.reader_a.id}
    ).scalar_one()
    assert secret not in stored and stored.startswith("gAAAA")  # a Fernet token


def test_recovery_codes_are_stored_hashed_and_work_once(db, tenant_pair):
    enrol_totp(db, tenant_pair.reader_a.id)
    user = tenant_pair.reader_a
    db.refresh(user)
    codes = mfa.replace_recovery_codes(db, user)
    db.commit()
    assert len(set(codes)) == mfa.RECOVERY_CODE_COUNT
    stored = {row.code_hash for row in db.query(RecoveryCode).filter_by(user_id=user.id)}
    assert not stored & set(codes)
    assert mfa.verify_second_factor(db, user, codes[0].replace("-", " "))
    assert not mfa.verify_second_factor(db, user, codes[0])
    assert mfa.unused_recovery_codes(db, user) == mfa.RECOVERY_CODE_COUNT - 1
    assert not mfa.verify_second_factor(db, user, "aaaa-bbbb-cccc-dddd")


def test_who_must_use_mfa(db, registry, tenant_pair):
    from samverka.auth import services as accounts

    pair = tenant_pair
    for user in (pair.admin_a, pair.admin_b, pair.consortium_admin, pair.platform_admin):
        assert mfa.requires_mfa(db, user), user.email
    for user in (pair.reader_a, pair.reader_b):
        assert not mfa.requires_mfa(db, user), user.email
    with scoped(db, TenantScope.for_tenant(pair.a.id)):
        accounts.add_member(db, registry, pair.reader_a, pair.a, "coordinator")
    assert not mfa.requires_mfa(db, pair.reader_a)
