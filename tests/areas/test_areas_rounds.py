"""Reporting rounds pick their places from the round owner's register: by id, by a name that
matches (case ignored), or as free text flagged "to map" on the round's status page; an
area of another register is refused; the compiled figures carry the area ids."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from samverka.areas import services as areas
from samverka.auth import tokens
from samverka.db import TenantScope, scoped
from samverka.errors import ValidationError
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import PictureFigure, RoundUnit


@pytest.fixture
def setting(app, db, world, acting):
    """Sunne's (A) register (Centrum, Lysvik) and a round with its school and Torsby (B)
    invited as a partner; Torsby's own area Östmark."""
    with app.test_request_context(), force_locale("en"):
        return _setting(db, world, acting)


def _setting(db, world, acting) -> dict:
    with acting(world.b, world.admin_b):
        ostmark = areas.create_area(db, world.b, "Östmark", "village").id
        db.commit()
    with acting(world.a, world.admin_a):
        centrum = areas.create_area(db, world.a, "Centrum", "district").id
        lysvik = areas.create_area(db, world.a, "Lysvik", "village").id
        made = rounds.ensure_default_units(db, world.a, user=world.admin_a)
        partner = rounds.add_unit(
            db, world.a, name="Polisen LPO", kind="police", partner=world.b, user=world.admin_a
        )
        school = next(u for u in made if u.kind == "school")
        round_ = rounds.open_round(
            db,
            world.a,
            unit_ids=[school.id, partner.id],
            period_start=rounds.today().replace(day=1),
            user=world.admin_a,
        )
        db.commit()
    return {
        "round": round_.id,
        "centrum": centrum,
        "lysvik": lysvik,
        "ostmark": ostmark,
    }


def submit(db, acting, tenant, user, round_id, name, lines):
    with acting(tenant, user):
        unit = db.scalar(
            select(RoundUnit).where(RoundUnit.round_id == round_id, RoundUnit.unit_name == name)
        )
        report = rounds.submit_report(db, unit, lines=lines, user=user)
        db.commit()
        return report.lines


def test_places_are_linked_to_the_register_or_flagged(ctx, db, world, acting, setting):
    lines = submit(
        db,
        acting,
        world.a,
        world.admin_a,
        setting["round"],
        "School",
        [
            {"category": "vandalism", "count": 2, "area_id": setting["centrum"]},
            {"category": "graffiti", "count": 1, "area": " lysvik "},
            {"category": "assault", "count": 1, "area": "Stationen"},
        ],
    )
    assert [(x["area_id"], x["area"], x["area_unmapped"]) for x in lines] == [
        (setting["centrum"], "Centrum", False),
        (setting["lysvik"], "Lysvik", False),
        (None, "Stationen", True),
    ]
    # the partner reports against the round owner's register, which it may read
    partner = submit(
        db,
        acting,
        world.b,
        world.admin_b,
        setting["round"],
        "Polisen LPO",
        [{"category": "vandalism", "count": 3, "area_id": setting["centrum"]}],
    )
    assert partner[0]["area_id"] == setting["centrum"]
    with acting(world.a, world.admin_a):
        round_ = rounds.get_round(db, setting["round"])
        picture = pictures.compile_picture(db, round_, user=world.admin_a)
        db.commit()
        figures = db.scalars(
            select(PictureFigure).where(PictureFigure.record_id == picture.id)
        ).all()
    by_area = {(f.category, f.area_id, f.area): f.count for f in figures}
    assert by_area[("vandalism", setting["centrum"], "Centrum")] == 5
    assert by_area[("graffiti", setting["lysvik"], "Lysvik")] == 1
    assert by_area[("assault", None, "Stationen")] == 1


@pytest.mark.parametrize("which", ["ostmark", "archived", "junk"])
def test_an_area_outside_the_round_owners_register_is_refused(
    ctx, db, world, acting, setting, which
):
    if which == "archived":
        with acting(world.a, world.admin_a):
            areas.archive_area(db, areas.get_area(db, world.a, setting["lysvik"]))
            db.commit()
    area_id = {"ostmark": setting["ostmark"], "archived": setting["lysvik"], "junk": "x"}[which]
    with pytest.raises(ValidationError) as caught:
        submit(
            db,
            acting,
            world.a,
            world.admin_a,
            setting["round"],
            "School",
            [{"category": "vandalism", "count": 2, "area_id": area_id}],
        )
    assert caught.value.field.startswith("lines.0.area")
    db.rollback()
    with acting(world.a, world.admin_a):
        round_ = rounds.get_round(db, setting["round"])
        assert all(not s.reported for s in rounds.round_status(db, round_))


def test_the_status_page_lists_places_to_map_and_the_form_offers_the_areas(
    app, client, login, db, world, acting, setting
):
    with app.app_context():
        submit(
            db,
            acting,
            world.a,
            world.admin_a,
            setting["round"],
            "School",
            [{"category": "assault", "count": 1, "area": "Stationen"}],
        )
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, world.admin_a)
    status = client.get(f"/t/sunne/rounds/{setting['round']}").get_data(as_text=True)
    assert "Places to map" in status and "Stationen" in status
    with acting(world.a, world.admin_a):
        unit = db.scalar(
            select(RoundUnit).where(
                RoundUnit.round_id == setting["round"], RoundUnit.unit_name == "School"
            )
        )
    form = client.get(f"/t/sunne/rounds/{setting['round']}/units/{unit.id}")
    html = form.get_data(as_text=True)
    assert '<datalist id="round-areas">' in html
    assert '<option value="Centrum">' in html and '<option value="Lysvik">' in html


def test_the_api_offers_the_owners_areas_to_the_partner(client, db, world, acting, setting):
    with scoped(db, TenantScope.for_tenant(world.b.id)):
        raw = tokens.issue_token(db, world.admin_b, world.b, name="test").raw
    db.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    base = f"/api/v1/tenants/torsby/rounds/{setting['round']}"
    got = client.get(base, headers=headers)
    assert got.status_code == 200, got.get_json()
    assert {(a["id"], a["name"]) for a in got.get_json()["areas"]} == {
        (setting["centrum"], "Centrum"),
        (setting["lysvik"], "Lysvik"),
    }
    unit = next(u for u in got.get_json()["units"] if u["reporter"] == world.b.id)
    put = client.put(
        f"{base}/units/{unit['id']}/report",
        headers=headers,
        json={"lines": [{"category": "vandalism", "count": 2, "area_id": setting["lysvik"]}]},
    )
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["lines"][0]["area_id"] == setting["lysvik"]
    wrong = client.put(
        f"{base}/units/{unit['id']}/report",
        headers=headers,
        json={"lines": [{"category": "vandalism", "count": 2, "area_id": setting["ostmark"]}]},
    )
    assert wrong.status_code == 422 and "lines.0.area" in wrong.get_json()["errors"]
