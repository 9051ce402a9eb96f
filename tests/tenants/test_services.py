"""Consortia and tenants: validation that says what is wrong and stores nothing."""

from __future__ import annotations

import pytest

from samverka.errors import ValidationError
from samverka.tenancy import services as tenancy
from samverka.tenants.models import Tenant, TenantKind


@pytest.mark.parametrize("slug", ["sunne", "lpo-torsby", "a", "gr13"])
def test_good_slugs(slug):
    assert tenancy.validate_slug(f" {slug} ") == slug


@pytest.mark.parametrize("slug", ["", "Sunne", "-x", "x-", "å", "a b", "x" * 64])
def test_bad_slugs(slug):
    with pytest.raises(ValidationError) as caught:
        tenancy.validate_slug(slug)
    assert caught.value.field == "slug"


@pytest.mark.parametrize(
    ("kind", "code", "expected"),
    [
        ("municipality", "1783", "1783"),
        ("municipality", " 2026 ", "2026"),
        ("police", None, None),
        ("ngo", "", None),
    ],
)
def test_municipality_codes(kind, code, expected):
    assert tenancy.validate_municipality_code(TenantKind(kind), code) == expected


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("municipality", None, "four digits"),
        ("municipality", "178", "four digits"),
        ("municipality", "17834", "four digits"),
        ("municipality", "17a3", "four digits"),
        ("municipality", "9983", "county code"),
        ("municipality", "0200", "county code"),
        ("police", "1783", "Only municipalities"),
    ],
)
def test_bad_municipality_codes(kind, code, message):
    with pytest.raises(ValidationError, match=message):
        tenancy.validate_municipality_code(TenantKind(kind), code)


def test_county_codes():
    assert tenancy.validate_county_code("17") == "17"
    assert tenancy.validate_county_code("") is None
    with pytest.raises(ValidationError, match="Swedish county code"):
        tenancy.validate_county_code("02")


def test_a_tenant_in_several_consortia(db):
    sutohamu = tenancy.create_consortium(db, "sutohamu", "SuToHaMu", "17")
    varmland = tenancy.create_consortium(db, "varmland", "Värmland", "17")
    board = tenancy.create_tenant(
        db,
        "lansstyrelsen-varmland",
        "Länsstyrelsen Värmland",
        "county_board",
        consortia=[sutohamu, varmland],
    )
    db.commit()
    assert [c.slug for c in board.consortia] == ["sutohamu", "varmland"]
    assert [t.slug for t in tenancy.list_tenants(db, varmland)] == ["lansstyrelsen-varmland"]


def test_duplicate_code_stores_nothing(db):
    tenancy.create_tenant(db, "hagfors", "Hagfors kommun", "municipality", "1783", 11536)
    db.commit()
    with pytest.raises(ValidationError, match="1783 is already used"):
        tenancy.create_tenant(db, "hagfors2", "Hagfors igen", "municipality", "1783")
    db.rollback()
    assert [t.slug for t in db.query(Tenant)] == ["hagfors"]


def test_negative_population_is_refused(db):
    with pytest.raises(ValidationError, match="negative"):
        tenancy.create_tenant(db, "x", "X", "municipality", "1784", -1)


def test_an_organisations_directory_is_its_own_consortia(ctx, db, world):
    """The API's directory rule, in the service: a tenant finds its consortia and their
    members; a consortium it is not in is None, exactly like one that does not exist."""
    other = tenancy.create_consortium(db, "varmland", "Värmland", "17")
    tenancy.add_to_consortium(db, world.c, other)
    second = tenancy.create_consortium(db, "aaa", "Först i bokstavsordning", "17")
    tenancy.add_to_consortium(db, world.a, second)
    db.commit()
    assert [c.slug for c in tenancy.consortia_of(db, world.a)] == ["aaa", "sutohamu"]
    assert [c.slug for c in tenancy.consortia_of(db, world.a, after="aaa")] == ["sutohamu"]
    assert [c.slug for c in tenancy.consortia_of(db, world.a, limit=1)] == ["aaa"]
    assert tenancy.consortium_of(db, world.a, "varmland") is None
    assert tenancy.consortium_of(db, world.a, "nowhere") is None
    found = tenancy.consortium_of(db, world.b, "sutohamu")
    assert [t.slug for t in tenancy.members_by_slug(db, found)] == ["sunne", "torsby"]
