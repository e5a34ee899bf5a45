"""Files and set-up the portfolio tests share: real small files of each kind, and the NUMEFA
competences a participant of the demo cohort may tag."""

from __future__ import annotations

import io
import wave
import zipfile

from PIL import Image

from badge_service.portfolios.service import competences


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(out, "JPEG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Séquence pédagogique — évaluation par compétences")
    page.save()
    return out.getvalue()


def wav_bytes() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\0\0" * 800)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "séance 1")
    return out.getvalue()


def exe_bytes() -> bytes:
    return b"MZ" + b"\0" * 58 + b"\x80\0\0\0" + b"\0" * 64 + b"PE\0\0" + b"\0" * 200


def html_bytes() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def tag_ids(session, user, count: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    """Ids of the first ``count`` competences ``user`` may tag."""
    found = [item for _, items in competences.taggable_items(session, user) for item in items]
    assert len(found) >= count, "the participant's programmes have no framework"
    return [str(item.id) for item in found[:count]]


def stored_files(app) -> list:  # type: ignore[no-untyped-def]
    """Every file under the evidence folder (staging included)."""
    from pathlib import Path

    root = Path(app.config["EVIDENCE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
