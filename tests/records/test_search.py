"""Search: words in titles and non-personal fields, ranked, only visible records."""

from __future__ import annotations

import pytest

from samverka.records import services


def make(db, user, title, **data):
    return services.create_record(
        db, record_type="core.document", title=title, data=data, user=user
    )


def found(db, acting, tenant, user, query) -> list[str]:
    with acting(tenant, user):
        return [
            r.title for r in services.search_records(db, query, viewer_tenant=tenant, user=user)
        ]


@pytest.fixture
def corpus(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        make(db, world.admin_a, "Trygghetsvandring centrum", body="Belysningen vid torget saknas")
        make(db, world.admin_a, "Klotter", body="Klotter på skolan", contact_person="Anna Svensson")
        shared = make(db, world.admin_a, "Delad rapport om belysning", body="Gatubelysning")
        services.share_record(db, shared, tenant=world.b, user=world.admin_a)
        deleted = make(db, world.admin_a, "Borttagen belysning", body="x")
        services.delete_record(db, deleted, user=world.admin_a)
        db.commit()
    with acting(world.b, world.admin_b):
        make(db, world.admin_b, "Torsbys belysning", body="Egen")
        db.commit()


def test_finds_by_title_and_body_words(corpus, db, world, acting):
    assert found(db, acting, world.a, world.admin_a, "torget") == ["Trygghetsvandring centrum"]
    assert found(db, acting, world.a, world.admin_a, "klotter skolan") == ["Klotter"]
    assert found(db, acting, world.a, world.admin_a, "") == []
    assert found(db, acting, world.a, world.admin_a, '"; DROP TABLE records; --') == []


def test_never_finds_personal_fields(corpus, db, world, acting):
    assert found(db, acting, world.a, world.admin_a, "Svensson") == []


def test_finds_only_visible_records(corpus, db, world, acting):
    assert set(found(db, acting, world.b, world.admin_b, "belysning")) == {
        "Delad rapport om belysning",
        "Torsbys belysning",
    }
    assert found(db, acting, world.c, world.admin_c, "belysning") == []
    own = found(db, acting, world.a, world.admin_a, "belysning")
    assert "Torsbys belysning" not in own and "Borttagen belysning" not in own


def test_updates_reach_the_index(corpus, db, world, acting):
    with acting(world.a, world.admin_a):
        record = services.search_records(db, "Klotter", viewer_tenant=world.a, user=world.admin_a)[
            0
        ]
        services.update_record(db, record, data={"body": "Nedskräpning"}, user=world.admin_a)
        db.commit()
    assert found(db, acting, world.a, world.admin_a, "skolan") == []
    assert found(db, acting, world.a, world.admin_a, "nedskräpning") == ["Klotter"]


@pytest.mark.postgresql_only
def test_swedish_stemming_on_postgresql(corpus, db, world, acting):
    # "belysningar" and "belysningen" share the stem of "belysning"
    assert "Trygghetsvandring centrum" in found(db, acting, world.a, world.admin_a, "belysningar")


def test_filters_apply_before_the_limit(ctx, db, world, acting):
    """More matches of the wanted kind than the limit, with others ranked first: a full page
    (the filter runs in the query, not on the page afterwards)."""
    with acting(world.a, world.admin_a):
        for i in range(3):
            make(db, world.admin_a, f"Belysning dokument {i}", body="belysning")
        for i in range(3):  # newer, so they come first among equal ranks
            services.create_record(
                db,
                record_type="core.minutes",
                title=f"Belysning protokoll {i}",
                data={"meeting_date": "2026-11-30", "body": "belysning"},
                user=world.admin_a,
            )
            shared = make(db, world.admin_a, f"Delad belysning {i}", body="belysning")
            services.share_record(db, shared, tenant=world.b, user=world.admin_a)
        db.commit()
    with acting(world.b, world.admin_b):
        for i in range(2):
            make(db, world.admin_b, f"Torsbys belysning {i}", body="belysning")
        db.commit()
        own = services.search_records(
            db,
            "belysning",
            viewer_tenant=world.b,
            user=world.admin_b,
            include_shared=False,
            limit=2,
        )
        assert sorted(r.title for r in own) == ["Torsbys belysning 0", "Torsbys belysning 1"]
    with acting(world.a, world.admin_a):
        documents = services.search_records(
            db,
            "belysning",
            viewer_tenant=world.a,
            user=world.admin_a,
            record_type="core.document",
            limit=6,
        )
    assert len(documents) == 6
    assert {r.type_name for r in documents} == {"core.document"}
