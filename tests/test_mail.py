"""Outgoing mail without SMTP: a file per message in instance/mail, readable by its owner."""

from __future__ import annotations

import stat
from email import message_from_bytes, policy

from samverka.mail import send_mail


def test_mail_without_smtp_is_written_to_a_file(settings):
    send_mail("someone@example.test", "Ämne", "Hej då\n", settings=settings)
    (path,) = (settings.instance_path / "mail").glob("*.eml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "someone@example.test"
    assert message["Subject"] == "Ämne"
    assert message.get_body(("plain",)).get_content() == "Hej då\n"
