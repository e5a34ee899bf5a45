"""PDF certificates carry their credential (extracts and verifies, hostile files refused); the
public route serves them, with a QR code rendered to pixels and decoded by a real decoder."""

from __future__ import annotations

import io
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from certificate_render_helpers import BASE, render_png, sample
from certificates_helpers import text_of
from issuing_helpers import NOW, issuing_context
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from badge_service.awards.service import issuing
from badge_service.certificates.service import (
    CertificateFileError,
    extract_credential,
    render_certificate,
)
from badge_service.clock import utcnow
from credentials.did import Resolver
from credentials.verify import verify


def decode_qr(png: Path) -> list[str]:
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True,
                            text=True, timeout=60)
    return [line for line in result.stdout.splitlines() if line]


# --- the embedded credential -----------------------------------------------------------------


def test_the_credential_is_an_associated_file(fonts):
    data = sample()
    pdf = render_certificate(data)
    assert extract_credential(pdf) == data.credential
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["credential.json"]
    assert json.loads(reader.attachments["credential.json"][0]) == data.credential
    root = reader.trailer["/Root"]
    [filespec] = root["/AF"]
    filespec = filespec.get_object()
    assert filespec["/AFRelationship"] == "/Source"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/application/vc+ld+json"


def _pdf_with(attachments: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 72, "not a certificate")
    canvas.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    for name, content in attachments.items():
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not a PDF"),
    (b"PK\x03\x04 a zip file", "not a PDF"),
    (b"%PDF-1.7\n" + b"\x00garbage" * 50, "malformed"),
    (_pdf_with({}), "no embedded credential"),
    (_pdf_with({"credential.json": b"{not json"}), "not valid UTF-8 JSON"),
    (_pdf_with({"credential.json": b"[1, 2]"}), "not a JSON object"),
    (_pdf_with({"a.json": b"{}", "b.json": b"{}"}), "several JSON attachments"),
    (_pdf_with({"credential.json": b'{"x": "' + b"y" * 3000 + b'"}'}), "too large"),
])
def test_extract_refuses_what_it_cannot_read(content, message):
    with pytest.raises(CertificateFileError) as info:
        extract_credential(content, max_credential_bytes=2000)
    assert message in info.value.detail
    assert info.value.errors[0].field == "file"


def _pdf_with_compressed(name: str, content: bytes) -> bytes:
    """A PDF whose attachment is Flate-compressed and declares no size (as a hostile one)."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_with({}))))
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    reference = writer._add_object(stream.flate_encode())
    filespec = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Filespec"),
        NameObject("/F"): TextStringObject(name),
        NameObject("/EF"): DictionaryObject({NameObject("/F"): reference})}))
    writer.root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/EmbeddedFiles"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject(name), filespec])})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_extract_refuses_oversized_files_and_compression_bombs():
    with pytest.raises(CertificateFileError, match="larger than"):
        extract_credential(b"%PDF-1.7\n" + b" " * 2048, max_bytes=1024)
    bomb = _pdf_with_compressed("credential.json", b"{" + b" " * 50_000_000 + b"}")
    assert len(bomb) < 200_000
    with pytest.raises(CertificateFileError, match="too large"):
        extract_credential(bomb)
    small = _pdf_with_compressed("credential.json", b'{"id": "urn:x"}')
    assert extract_credential(small) == {"id": "urn:x"}


def test_extract_accepts_a_single_json_attachment_under_another_name():
    assert extract_credential(_pdf_with({"badge.json": b'{"id": "urn:x"}'})) == {"id": "urn:x"}


# --- issued credentials over HTTP (SQLite and PostgreSQL) ------------------------------------


def _award(app, session, world, **row):  # type: ignore[no-untyped-def]
    person = world.participants[0]
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(person.email, **row)],
                           issuing=issuing_context(app, notify=False))
    session.commit()
    return result.outcomes[0].credential


def test_certificate_of_an_issued_credential(app, session, client, world, fonts, tools,
                                             tmp_path):
    credential = _award(app, session, world, narrative="Très bon portfolio.")
    person = world.participants[0]
    url = f"/credentials/{credential.id}/certificate.pdf"
    public_url = f"{BASE}/credentials/{credential.id}"

    response = client.get(f"{url}?lang=fr")  # anonymous: the certificate is public
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert "sandbox" not in response.headers["Content-Security-Policy"]
    pdf = response.data
    text = text_of(pdf)
    assert person.display_name in text
    assert world.units[0].name_i18n["fr"] in text
    assert world.trainer.display_name in text
    assert str(credential.id) in text

    english = text_of(client.get(f"{url}?lang=en").data)
    assert person.display_name in english
    assert world.units[0].name_i18n["en"] in english
    assert "CERTIFICATE OF ACHIEVEMENT" in english

    # The attachment is the signed credential, and it verifies on its own.
    document = extract_credential(pdf)
    assert document == credential.document
    result = verify(document, now=utcnow(), resolver=Resolver(),
                    fetch_status_list=lambda url: _status_list(client, url))
    assert result.verified, result.errors

    # The QR code, as pixels, decodes to the public page.
    assert decode_qr(render_png(pdf, tmp_path)) == [public_url]

    # Caching: revalidated with the ETag.
    again = client.get(f"{url}?lang=fr", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    download = client.get(f"{url}?lang=fr&download=1")
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")


def _status_list(client, url: str) -> dict:  # type: ignore[no-untyped-def]
    assert url.startswith(BASE)
    response = client.get(url[len(BASE):])
    assert response.status_code == 200
    return response.json


def test_certificate_route_errors_and_status(app, session, client, world, fonts):
    credential = _award(app, session, world)
    url = f"/credentials/{credential.id}/certificate.pdf"
    bad = client.get(f"{url}?lang=de", headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert bad.json["errors"] == [{"field": "lang", "message": "must be fr or en"}]
    missing = client.get(f"/credentials/{uuid.uuid4()}/certificate.pdf")
    assert missing.status_code == 404
    # Without ?lang=: the browser's language, else the recipient's.
    assert "CERTIFICATE OF ACHIEVEMENT" in text_of(
        client.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"}).data)
    default = client.get(url)
    assert "CERTIFICAT DE RÉUSSITE" in text_of(default.data)
    assert "Accept-Language" in default.vary
    issuing.change_status(session, world.trainer, [credential], "revoke", reason="fraude",
                          now=NOW)
    session.commit()
    assert "RÉVOQUÉ" in text_of(client.get(f"{url}?lang=fr").data)
