"""Unbaking whatever the format (PNG and SVG sniffed from the bytes) and the PDF form of baking."""

from __future__ import annotations

import pytest
from baking_helpers import JWT, SVG, make_png

from credentials.baking import bake_png, bake_svg, unbake
from credentials.errors import BakingError, InputTooLargeError

# --- sniffing --------------------------------------------------------------------------------


def test_unbake_sniffs_the_format():
    assert unbake(bake_png(make_png(), JWT)) == JWT
    assert unbake(b"\xef\xbb\xbf" + bake_svg(SVG, JWT)) == JWT
    bare = b"\n  <svg xmlns='http://www.w3.org/2000/svg'><g/></svg>"
    assert unbake(b"\n" + bake_svg(bare, JWT).split(b"?>", 1)[1]) == JWT
    with pytest.raises(BakingError, match="neither a PNG nor an SVG"):
        unbake(b"GIF89a...")
    with pytest.raises(BakingError, match="must be bytes"):
        unbake("<svg/>")  # type: ignore[arg-type]


# --- PDF ------------------------------------------------------------------------------------


def _plain_pdf() -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 72, "a certificate")
    canvas.save()
    return buffer.getvalue()


def test_pdf_round_trip_and_unbake_recognises_pdfs():
    from credentials.baking import ATTACHMENT_NAME, bake_pdf, unbake_pdf

    credential = {"id": "urn:uuid:1", "name": "Zoë"}
    baked = bake_pdf(_plain_pdf(), credential)
    assert unbake_pdf(baked) == credential
    assert unbake(baked) == credential
    with pytest.raises(BakingError, match=f"already carries an attachment named {ATTACHMENT_NAME}"):
        bake_pdf(baked, credential)
    with pytest.raises(BakingError, match="credential object"):
        bake_pdf(_plain_pdf(), "a.b.c")
    with pytest.raises(BakingError, match="no embedded credential"):
        unbake_pdf(_plain_pdf())
    with pytest.raises(InputTooLargeError, match="larger than"):
        unbake_pdf(baked, max_bytes=1024)
