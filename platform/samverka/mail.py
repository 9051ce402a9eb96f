"""Outgoing mail, kept to one call: ``send_mail(to, subject, body)`` (plain text).

With ``SAMVERKA_SMTP_HOST`` set, mail goes over SMTP (``smtplib``; STARTTLS and login when
configured). Without it (development, demo) each message is written to a file in
``instance/mail/`` and only that path is logged, never the body (it may carry a reset link).
Production refuses to start without an SMTP host (see ``config.py``).

Callers do not call it during a request: they queue the job ``core.send_mail`` through the
transactional outbox (:mod:`samverka.jobs.outbox`) in the transaction of the change the mail
announces, so a rolled-back change mails nothing and SMTP failures are retried by a worker.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from samverka import clock
from samverka.config import Settings
from samverka.runtime import runtime

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 15


def send_mail(to: str, subject: str, body: str, *, settings: Settings | None = None) -> None:
    """Send one plain-text message (UTF-8) from ``SAMVERKA_MAIL_FROM``."""
    if settings is None:
        settings = runtime().settings
    message = compose(settings.mail_from, to, subject, body)
    if settings.smtp_host:
        _send_smtp(settings, message)
    else:
        path = _write_file(settings.instance_path / "mail", message)
        log.info("mail written to %s", path)


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _send_smtp(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
    log.info("mail sent through %s:%s", settings.smtp_host, settings.smtp_port)


def _write_file(folder: Path, message: EmailMessage) -> Path:
    """One ``.eml`` file per message, readable by its owner only."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    return path
