"""Outgoing mail: SMTP when configured, the outbox otherwise, and never before the commit."""

from __future__ import annotations

import stat
from email import message_from_bytes, policy

import pytest
from accounts_helpers import link_path, make_user

from badge_service import mail
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.errors import ValidationFailed
from badge_service.services import accounts


def add_routes(app):  # type: ignore[no-untyped-def]
    """Test-only routes that queue a message, then succeed or fail."""

    @app.post("/test/mail-ok")
    def mail_ok():  # type: ignore[no-untyped-def]
        mail.send("ok@example.org", "Saved", "This one leaves.")
        return "", 204

    @app.post("/test/mail-refused")
    def mail_refused():  # type: ignore[no-untyped-def]
        mail.send("refused@example.org", "Refused", "This one must never leave.")
        raise ValidationFailed("no")

    @app.post("/test/mail-crash")
    def mail_crash():  # type: ignore[no-untyped-def]
        accounts.create_user(db.session, email="half-done@example.org", now=utcnow())
        mail.send("crash@example.org", "Crash", "This one must never leave.")
        raise RuntimeError("boom")


def outbox_files(app):  # type: ignore[no-untyped-def]
    from pathlib import Path

    folder = Path(app.config["OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_without_smtp_mail_goes_to_the_outbox(app, client):
    assert not app.config["SMTP_HOST"]
    make_user("lea@example.org", name="Léa Martin")
    client.post("/login/email", data={"email": "lea@example.org"})
    files = outbox_files(app)
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600  # links are secrets
    folder_mode = stat.S_IMODE(files[0].parent.stat().st_mode)
    assert folder_mode & 0o077 == 0
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "Léa Martin <lea@example.org>"
    assert message["Message-ID"]
    path = link_path(message)
    assert client.post(path).status_code == 302  # the link from the file works


def test_mail_of_a_failed_request_is_never_sent(app, client):
    add_routes(app)
    assert client.post("/test/mail-refused").status_code == 422
    # A later successful request commits: the refused message must not leave with it.
    assert client.get("/healthz").status_code == 200
    assert outbox_files(app) == []
    assert client.post("/test/mail-crash").status_code == 500
    assert client.get("/healthz").status_code == 200
    assert outbox_files(app) == []
    assert accounts.find_user_by_email(db.session, "half-done@example.org") is None
    assert client.post("/test/mail-ok").status_code == 204
    files = outbox_files(app)
    assert len(files) == 1
    assert "ok@example.org" in files[0].read_text()


@pytest.fixture
def smtp_config(app_config, smtp_server):
    controller, handler = smtp_server
    app_config.update(SMTP_HOST=controller.hostname, SMTP_PORT=controller.port,
                      SMTP_SECURITY="none")
    return handler


def test_smtp_delivery_and_rollback(smtp_config, app, client):
    handler = smtp_config
    add_routes(app)
    client.post("/test/mail-refused")
    client.get("/healthz")
    client.post("/test/mail-crash")
    client.get("/healthz")
    assert handler.messages == []
    client.post("/test/mail-ok")
    assert [m["To"] for m in handler.messages] == ["ok@example.org"]
    assert handler.messages[0]["Subject"] == "Saved"
    assert outbox_files(app) == []  # SMTP configured: nothing in the outbox


def test_commands_send_only_after_their_commit(app, session):
    """Services used outside requests (CLI) follow the same rule."""
    from badge_service.cli import run_service

    def refused(s):  # type: ignore[no-untyped-def]
        mail.send("cli@example.org", "Refused", "never")
        raise ValidationFailed("no")

    with pytest.raises(SystemExit):
        run_service(refused)
    run_service(lambda s: None)
    assert outbox_files(app) == []
    run_service(lambda s: mail.send("cli@example.org", "Sent", "yes"))
    assert len(outbox_files(app)) == 1


def test_smtp_failure_is_logged_not_raised(app_config, app, client, caplog):
    """The data is saved; a mail server that is down does not turn the request into an error."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none", SMTP_TIMEOUT=2)
    make_user("lea@example.org")
    response = client.post("/login/email", data={"email": "lea@example.org"})
    assert response.status_code == 200
    assert "after-commit action failed" in caplog.text


def test_headers_cannot_be_injected(app):
    message = mail.build_message({"MAIL_FROM": "Badges <badges@example.org>"},
                                 "lea@example.org", "Hello\r\nBcc: x@example.org", "text")
    assert message["Subject"] == "Hello Bcc: x@example.org"
    assert message["Bcc"] is None
    assert message["Message-ID"].endswith("@example.org>")
