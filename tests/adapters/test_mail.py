"""Outgoing mail: SMTP when configured, the outbox otherwise, and never before the commit."""

from __future__ import annotations

import stat
from email import message_from_bytes, policy

import pytest
from accounts_helpers import link_path, make_user

from badge_service.accounts.service import users as accounts
from badge_service.adapters import mail
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.errors import ValidationFailed


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
    from badge_service.edge.commands import run_service

    def refused(s):  # type: ignore[no-untyped-def]
        mail.send("cli@example.org", "Refused", "never")
        raise ValidationFailed("no")

    with pytest.raises(SystemExit):
        run_service(refused)
    run_service(lambda s: None)
    assert outbox_files(app) == []
    run_service(lambda s: mail.send("cli@example.org", "Sent", "yes"))
    assert len(outbox_files(app)) == 1


def test_savepoints_neither_send_nor_drop_queued_mail(app, session):
    """SQLAlchemy fires after_commit when a savepoint is released, and after_soft_rollback
    when one rolls back; neither is the request's commit or rollback."""
    mail.send("queued@example.org", "Queued", "leaves at the real commit only")
    with session.begin_nested():
        accounts.create_user(session, email="inner@example.org", now=utcnow())
    assert outbox_files(app) == []  # released savepoint: not sent yet
    savepoint = session.begin_nested()
    accounts.create_user(session, email="retried@example.org", now=utcnow())
    savepoint.rollback()
    assert outbox_files(app) == []
    session.commit()
    [sent] = outbox_files(app)
    assert "queued@example.org" in sent.read_text(encoding="utf-8")


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


# --- TLS and authentication, against a real server --------------------------------------------
#
# mail.deliver() verifies the server with ssl.create_default_context(): the system's trust
# store, which OpenSSL also takes from SSL_CERT_FILE. The tests trust their own CA that way,
# as an operator with an internal CA would; without it the same server must be refused.

USER, PASSWORD = "badges@example.org", "smtp password"


def _certificates(folder):  # type: ignore[no-untyped-def]
    """A CA and a server certificate for 127.0.0.1 it signed; returns (ca, cert, key) paths."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "badge_service test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class TlsCollector:
    """Keeps each message with how it came: over TLS or not, authenticated as whom."""

    def __init__(self) -> None:
        self.messages: list = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content, policy=policy.default)
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        login = session.auth_data.login if session.authenticated else None
        self.messages.append((message, encrypted, login))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture
def tls_server(tmp_path, request):  # type: ignore[no-untyped-def]
    """A real SMTP server on loopback, 'starttls' or 'ssl' (implicit TLS) by parameter, that
    refuses mail before TLS and offers AUTH only over TLS."""
    import socket
    import ssl

    from aiosmtpd.controller import Controller

    ca, cert, key = _certificates(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = TlsCollector()
    mode = request.param
    options: dict = {"authenticator": handler.authenticate}
    if mode == "starttls":
        # auth_require_tls (aiosmtpd's default): no AUTH before STARTTLS.
        options.update(tls_context=server_context, require_starttls=True)
    else:
        # Implicit TLS: the whole connection is encrypted, there is no "before TLS".
        options.update(ssl_context=server_context, auth_require_tls=False)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield mode, port, ca, handler
    finally:
        controller.stop()


def _smtp_config(mode: str, port: int, **extra):  # type: ignore[no-untyped-def]
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": mode,
            "SMTP_TIMEOUT": 10, "MAIL_FROM": "Badges <badges@example.org>", **extra}


TLS_MODES = pytest.mark.parametrize("tls_server", ["starttls", "ssl"], indirect=True)


@TLS_MODES
def test_tls_delivery_trusts_only_a_known_ca(tls_server, monkeypatch):
    import ssl

    mode, port, ca, handler = tls_server
    config = _smtp_config(mode, port)
    message = mail.build_message(config, "lea@example.org", "Over TLS", "text")
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(ssl.SSLCertVerificationError):
        mail.deliver(config, message)
    assert handler.messages == []

    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    assert mail.deliver(config, message) == f"smtp://127.0.0.1:{port}"
    [(received, encrypted, login)] = handler.messages
    assert received["Subject"] == "Over TLS"
    assert encrypted
    assert login is None  # no credentials configured: no AUTH
    assert handler.logins == []


@TLS_MODES
def test_configured_credentials_authenticate_over_tls(tls_server, monkeypatch):
    import smtplib

    mode, port, ca, handler = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    config = _smtp_config(mode, port, SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD)
    mail.deliver(config, mail.build_message(config, "lea@example.org", "Signed in", "text"))
    [(received, encrypted, login)] = handler.messages
    assert received["Subject"] == "Signed in"
    assert encrypted
    assert login == USER.encode()
    assert handler.logins == [(USER.encode(), PASSWORD.encode())]

    wrong = {**config, "SMTP_PASSWORD": "not the password"}
    with pytest.raises(smtplib.SMTPAuthenticationError):
        mail.deliver(wrong, mail.build_message(wrong, "lea@example.org", "Refused", "text"))
    assert len(handler.messages) == 1


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
def test_the_starttls_server_offers_auth_only_after_tls(tls_server, monkeypatch):
    """What the two tests above rely on: the password never crosses in clear text."""
    import smtplib
    import ssl

    _, port, ca, _ = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
        assert client.has_extn("auth")
