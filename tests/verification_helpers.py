"""Support for the verification tests (no tests here): another issuer on local web servers.

``serve_foreign`` starts, once per module, an HTTPS server for ``localhost`` (a throw-away
certificate, trusted through SSL_CERT_FILE while a test runs) and a plain HTTP server on
127.0.0.1. They serve what a real issuer publishes: a ``did:web:localhost%3A<port>`` DID
document, an HTTPS controller document (a key URL issuer), a signed Bitstring Status List,
1EdTech Revocation Lists, and credentials by content negotiation. ``foreign.fetcher()`` is a
GuardedFetcher allowed to reach exactly those two hosts.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import struct
import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from badge_service.adapters.fetcher import GuardedFetcher
from credentials import data_integrity
from credentials import models as ob
from credentials.did import DID_CONTEXTS, did_document
from credentials.keys import KeyPair
from credentials.status_list import StatusList, status_entry, status_list_credential

NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
HOLDER_EMAIL = "ines.martin@example.net"


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built here so the tests need no image file."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


TINY_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" ' \
    b'height="10"/></svg>'


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # http.server's method name
        site: Site = self.server.site  # type: ignore[attr-defined]
        site.hits[self.path] = site.hits.get(self.path, 0) + 1
        site.accept[self.path] = self.headers.get("Accept", "")
        status, media_type, body = site.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@dataclass
class Site:
    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    accept: dict[str, str] = field(default_factory=dict)

    def json(self, path: str, document: Any, media_type: str = "application/json") -> None:
        self.routes[path] = (200, media_type, json.dumps(document).encode())


@dataclass
class Foreign:
    """Another issuer's world; attributes are the documents and credentials it publishes."""

    https_port: int
    http_port: int
    cert_file: Path
    site: Site
    did: str
    did_key: KeyPair
    controller: str
    controller_key: KeyPair
    credentials: dict[str, dict] = field(default_factory=dict)

    @property
    def https(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def fetcher(self) -> GuardedFetcher:
        return GuardedFetcher(allow_http=True, allowed_hosts=frozenset({"localhost", "127.0.0.1"}),
                              resolver=lambda host, port: ["127.0.0.1"])


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = datetime.now(UTC) - timedelta(hours=1)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "localhost.pem", folder / "localhost.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _serve(site: Site, tls: ssl.SSLContext | None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.site = site  # type: ignore[attr-defined]
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _credential(credential_id: str, issuer: str, status: dict | None, *,
                valid_until: datetime | None = None) -> dict:
    achievement = ob.achievement("https://acme.example/achievements/forklift", "Forklift safety",
                                 "Operates a forklift safely.", "Passed the practical test.")
    subject = ob.achievement_subject(achievement, identifiers=[
        ob.identity_object_for_email(HOLDER_EMAIL, salt="5a1t")])
    return ob.achievement_credential(
        credential_id, ob.profile(issuer, "ACME Training"), subject,
        valid_from=NOW - timedelta(days=30), valid_until=valid_until, credential_status=status)


def build_foreign(folder: Path) -> tuple[Foreign, list[ThreadingHTTPServer]]:
    cert_file, key_file = _certificate(folder)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    site = Site()
    secure, plain = _serve(site, tls), _serve(site, None)
    https_port, http_port = secure.server_address[1], plain.server_address[1]
    did = f"did:web:localhost%3A{https_port}"
    did_key, controller_key = KeyPair.generate("Ed25519"), KeyPair.generate("Ed25519")
    controller = f"https://localhost:{https_port}/issuers/acme"
    foreign = Foreign(https_port, http_port, cert_file, site, did, did_key, controller,
                      controller_key)
    https, http = foreign.https, foreign.http
    site.json("/.well-known/did.json", did_document(did, [("key-1", did_key, True)]),
              "application/did+json")
    vm = f"{controller}#key-1"
    site.json("/issuers/acme", {
        "@context": list(DID_CONTEXTS), "id": controller,
        "verificationMethod": [{"id": vm, "type": "Multikey", "controller": controller,
                                "publicKeyMultibase": controller_key.public_multibase}],
        "assertionMethod": [vm]})
    did_signer = did_key.signer(f"{did}#key-1")
    controller_signer = controller_key.signer(vm)

    status_url = f"{https}/status/1"
    status_list = status_list_credential(status_url, did, StatusList().set(7), "revocation",
                                         valid_from=NOW - timedelta(days=1),
                                         valid_until=NOW + timedelta(days=1))
    site.json(status_url.removeprefix(https),
              data_integrity.add_proof(status_list, did_signer, created=NOW),
              "application/vc+ld+json")
    revocations = f"{http}/revocations/1"  # over plain HTTP: allow_http in the fetcher
    site.json("/revocations/1", {"id": revocations, "issuer": controller, "revokedCredentials": [
        {"id": f"{https}/credentials/rl-revoked", "reason": "Issued by mistake"}]})

    def signed(name: str, issuer: str, signer: Any, status: dict | None, **kwargs: Any) -> dict:
        document = data_integrity.add_proof(
            _credential(f"{https}/credentials/{name}", issuer, status, **kwargs), signer,
            created=NOW - timedelta(days=30))
        foreign.credentials[name] = document
        site.json(f"/credentials/{name}", document, "application/vc+ld+json")
        return document

    signed("valid", did, did_signer, status_entry(status_url, 3, "revocation"))
    signed("revoked", did, did_signer, status_entry(status_url, 7, "revocation"))
    signed("expired", did, did_signer, status_entry(status_url, 4, "revocation"),
           valid_until=NOW - timedelta(days=1))
    revocation_entry = {"id": revocations, "type": "1EdTechRevocationList"}
    signed("rl-revoked", controller, controller_signer, revocation_entry)
    signed("rl-valid", controller, controller_signer, revocation_entry)
    # Signed by a key the did:web document does not list: the issuer cannot be confirmed.
    stranger = KeyPair.generate("Ed25519")
    signed("stranger", did, stranger.signer(f"{did}#key-2"), None)
    # Status lists at private addresses: a verifier that fetched them would be an SSRF proxy.
    signed("private-status", did, did_signer,
           status_entry("https://192.168.10.20/status/1", 3, "revocation"))
    signed("loopback-status", did, did_signer,
           status_entry(f"{http}/status/never-fetched", 3, "revocation"))
    site.routes["/page"] = (200, "text/html", b"<!doctype html><html><body>A badge</body></html>")
    return foreign, [secure, plain]


def serve_foreign(tmp_path_factory: Any) -> Any:
    """Body of a module-scoped fixture: the servers run until the module's tests are done."""
    foreign, servers = build_foreign(tmp_path_factory.mktemp("foreign"))
    yield foreign
    for server in servers:
        server.shutdown()
        server.server_close()


def trusting(foreign: Foreign, monkeypatch: pytest.MonkeyPatch) -> Foreign:
    """Trust the throw-away certificate for one test (urllib3 reads the default CA file at
    each connection)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(foreign.cert_file))
    return foreign
