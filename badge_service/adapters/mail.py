"""Outgoing email: SMTP when configured, otherwise files in the instance outbox.

Services hand messages to :func:`send`; they leave only after the transaction commits, so a
rolled-back invitation never reaches anyone.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)


def _one_line(value: str) -> str:
    """Header values come partly from people (names): no line breaks or control characters,
    which would otherwise let a name inject headers (the email library refuses them)."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def build_message(config: dict[str, Any], to: str, subject: str, text: str,
                  html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = _one_line(subject)
    sender = parseaddr(config["MAIL_FROM"])[1]  # "Name <a@b>" as well as "a@b"
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def deliver(config: dict[str, Any], message: EmailMessage) -> str:
    """Send now. Returns where it went (for logs and the demo)."""
    host = config.get("SMTP_HOST")
    if not host:
        outbox = Path(config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = outbox / f"{uuid.uuid4()}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        log.info("mail to %s written to %s", message["To"], path)
        return str(path)
    port, security = config["SMTP_PORT"], config["SMTP_SECURITY"]
    timeout = config["SMTP_TIMEOUT"]
    context = ssl.create_default_context()
    if security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if security == "starttls":
            client.starttls(context=context)
        if config.get("SMTP_USERNAME"):
            client.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        client.send_message(message)
    return f"smtp://{host}:{port}"


def send(to: str, subject: str, text: str, html: str | None = None,
         *, display_name: str | None = None) -> None:
    """Queue a message; it leaves when the current transaction commits."""
    from badge_service.db import after_commit

    config = dict(current_app.config)
    name = _one_line(display_name or "")
    recipient = formataddr((name, _one_line(to))) if name else _one_line(to)
    message = build_message(config, recipient, subject, text, html)
    after_commit(lambda: deliver(config, message))
