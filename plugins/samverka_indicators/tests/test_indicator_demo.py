"""The demo (``bin/demo``): Hagfors, Sunne, Torsby and Munkfors follow Torsby's shared
indicator set with values 2019-2025, each with a target, and the first measure of each
action plan shows violence per 100 000 against that target."""

from __future__ import annotations

from samverka_indicators import follow_up, services

from samverka.testing import core

SUTOHAMU = ("hagfors", "munkfors", "sunne", "torsby")


def test_the_sutohamu_members_follow_a_shared_set_against_their_targets(ctx, db):
    core.run_cli(ctx, "seed-demo")
    tenants = core.tenants_by_slug(db)
    for slug in SUTOHAMU:
        tenant = tenants[slug]
        with core.in_tenant(db, tenant):
            found = {i.code: i for i in services.visible_indicators(db, tenant)}
            assert {"violence_per_100k", "crime_per_100k"} <= set(found)
            violence = found["violence_per_100k"]
            target = follow_up.target_of(db, violence)
            assert target.target_value == round(target.baseline_value * 0.85, 1)
            followed = [
                i
                for plan in core.plan_records(db, tenant)
                for cause in core.plan_view(db, plan, tenant)
                for m in cause.measures
                for i in m.indicators
                if i["label"] == violence.name  # the test plugin adds its own
            ]
        [summary] = followed
        assert summary["label"] == violence.name
        assert summary["value"].endswith(")") and " in 2025 " in summary["value"]
        assert summary["status"] in {"met", "on_track", "off_track"}
    comparison_tenant = tenants["torsby"]
    with core.in_tenant(db, comparison_tenant):
        violence = next(
            i
            for i in services.visible_indicators(db, comparison_tenant)
            if i.code == "violence_per_100k"
        )
        compared = services.compare(db, comparison_tenant, violence, ["2025"])
    assert sorted(m.slug for m, _ in compared.rows) == list(SUTOHAMU)
    assert compared.total["2025"].rate is not None
