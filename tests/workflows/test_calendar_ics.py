"""The annual calendar's iCalendar file keeps user text inside its properties (finding 6):
a measure's title holding CR, LF, CRLF, ``;``, ``,``, ``\\`` or a fake ``END:VEVENT`` stays
one event's SUMMARY when the file is read back by an iCalendar parser."""

from __future__ import annotations

import icalendar
import pytest

from samverka.records import services as records
from samverka.workflows.action_plans import services as plans

HOSTILE = [
    "Bare\rCR",
    "Bare\nLF",
    "Windows\r\nline",
    "Semi;colon, comma and back\\slash",
    "Fake END:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected",
    "Bare CR fake\rEND:VEVENT\rBEGIN:VEVENT\rSUMMARY:injected",
]


def _as_text(title: str) -> str:
    """RFC 5545 TEXT knows one line break (``\\n``): CR and CRLF read back as LF."""
    return title.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def hostile_plan(app, db, world, acting) -> list[str]:
    with app.test_request_context(), acting(world.a, world.admin_a):
        plan = records.create_record(
            db,
            record_type="core.action_plan",
            title="Åtgärdsplan 2026",
            data={"title": "Åtgärdsplan 2026", "valid_from": "2026-01-01"},
            user=world.admin_a,
        )
        cause = plans.add_cause(db, plan, description="Otrygghet", user=world.admin_a)
        for number, title in enumerate(HOSTILE, start=1):
            plans.add_measure(
                db,
                plan,
                cause_id=cause.id,
                user=world.admin_a,
                title=title,
                due_on=f"2026-{number:02d}-15",
            )
        db.commit()
    return HOSTILE


def test_hostile_titles_stay_inside_one_event_each(app, world, hostile_plan, login):
    client = login(app.test_client(), world.admin_a)
    response = client.get("/t/sunne/calendar/2026.ics", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    raw = response.get_data()
    assert b"\r" not in raw.replace(b"\r\n", b""), "a bare CR would start a line in Outlook"
    assert b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == len(hostile_plan)
    assert all(len(line) <= 75 for line in lines)
    parsed = icalendar.Calendar.from_ical(raw)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == len(hostile_plan)
    summaries = sorted(str(event["SUMMARY"]) for event in events)
    assert summaries == sorted(_as_text(f"Measure due: {title}") for title in hostile_plan)
    assert [event["DTSTART"].dt.month for event in events] == list(range(1, len(hostile_plan) + 1))


def test_event_links_use_the_public_address_not_the_host_header(app, world, hostile_plan, login):
    app.extensions["samverka"].settings.public_url = "https://samverka.example.se"
    cookie = login(app.test_client(), world.admin_a).get_cookie("samverka_session").value
    forged = app.test_client(use_cookies=False)  # sends the session to the forged host
    response = forged.get(
        "/t/sunne/calendar/2026.ics",
        headers={"Host": "evil.example", "Cookie": f"samverka_session={cookie}"},
    )
    assert response.status_code == 200
    events = list(icalendar.Calendar.from_ical(response.get_data()).walk("VEVENT"))
    urls = {str(event["URL"]) for event in events}
    assert urls and all(url.startswith("https://samverka.example.se/t/sunne/") for url in urls)
