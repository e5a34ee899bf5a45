"""The evidence file checks: type read from content (libmagic), the name's and declared type's
agreement with it, size limits, and a refused file leaving nothing behind."""

from __future__ import annotations

import hashlib
import io

import pytest
from portfolio_helpers import (
    exe_bytes,
    html_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    wav_bytes,
    zip_bytes,
)

from badge_service.adapters import content_types
from badge_service.adapters.evidence_store import LocalEvidenceStore
from badge_service.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from badge_service.portfolios.service import FileRules, Upload
from badge_service.portfolios.service.files import receive

RULES = FileRules(max_bytes=1_000_000, allowed=content_types.parse_types(None))


@pytest.mark.parametrize(("maker", "name", "expected"), [
    (pdf_bytes, "séquence.pdf", "application/pdf"),
    (png_bytes, "photo.png", "image/png"),
    (jpeg_bytes, "photo.JPG", "image/jpeg"),
    (wav_bytes, "interview.wav", "audio/wav"),
    (zip_bytes, "ressources.zip", "application/zip"),
    (lambda: "Réflexion sur ma pratique.\n".encode(), "notes.txt", "text/plain"),
    (lambda: b"nom,score\nA,3\n", "grille.csv", "text/plain"),
    (pdf_bytes, "no-extension", "application/pdf"),
])
def test_accepted_types_are_read_from_content(tmp_path, maker, name, expected):
    store = LocalEvidenceStore(tmp_path)
    data = maker()
    checked = receive(Upload(io.BytesIO(data), name), store=store, rules=RULES)
    assert checked.media_type == expected
    assert checked.staged.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.staged.size == len(data)
    store.place(checked.staged)
    with store.open(checked.staged.sha256) as stored:
        assert stored.read() == data


@pytest.mark.parametrize(("maker", "name", "declared", "words"), [
    (exe_bytes, "programme.exe", None, "portable-executable are not accepted"),
    (html_bytes, "page.html", None, "text/html are not accepted"),
    (exe_bytes, "rapport.pdf", "application/pdf", "are not accepted"),
    (png_bytes, "rapport.pdf", None, "its content is image/png, but its name says "
                                     "application/pdf"),
    (pdf_bytes, "photo.jpg", None, "its content is application/pdf, but its name says "
                                   "image/jpeg"),
    (pdf_bytes, "document", "image/png", "its content is application/pdf, but it was sent as "
                                         "image/png"),
])
def test_forbidden_or_contradicting_files_are_refused_naming_file_and_rule(
        tmp_path, maker, name, declared, words):
    store = LocalEvidenceStore(tmp_path)
    with pytest.raises(UnsupportedMediaType) as refused:
        receive(Upload(io.BytesIO(maker()), name, declared), store=store, rules=RULES)
    assert refused.value.detail.startswith(name + ": ")
    assert words in refused.value.detail
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_too_large_file_is_cut_off_and_nothing_stays(tmp_path):
    store = LocalEvidenceStore(tmp_path)

    class Endless(io.RawIOBase):
        """A stream larger than any limit: only the limit's worth may ever be read."""
        read_bytes = 0

        def readable(self):  # type: ignore[no-untyped-def]
            return True

        def read(self, size=-1):  # type: ignore[no-untyped-def]
            size = 65536 if size is None or size < 0 else size
            self.read_bytes += size
            return b"%PDF" + b"x" * (size - 4)

    stream = Endless()
    with pytest.raises(PayloadTooLarge) as refused:
        receive(Upload(stream, "enorme.pdf"), store=store, rules=RULES)
    assert "enorme.pdf" in refused.value.detail
    assert "1000000" in refused.value.detail
    assert stream.read_bytes <= RULES.max_bytes + 65536
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_empty_and_nameless_files_are_refused(tmp_path):
    store = LocalEvidenceStore(tmp_path)
    with pytest.raises(ValidationFailed, match=r"vide\.pdf: the file is empty"):
        receive(Upload(io.BytesIO(b""), "vide.pdf"), store=store, rules=RULES)
    with pytest.raises(ValidationFailed, match="no name"):
        receive(Upload(io.BytesIO(pdf_bytes()), "  "), store=store, rules=RULES)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_windows_paths_keep_only_the_file_name(tmp_path):
    checked = receive(Upload(io.BytesIO(pdf_bytes()), "C:\\Users\\prof\\bilan.pdf"),
                      store=LocalEvidenceStore(tmp_path), rules=RULES)
    assert checked.filename == "bilan.pdf"


def test_allowed_types_are_configurable(tmp_path):
    rules = FileRules(max_bytes=1_000_000, allowed=content_types.parse_types("application/pdf"))
    store = LocalEvidenceStore(tmp_path)
    receive(Upload(io.BytesIO(pdf_bytes()), "a.pdf"), store=store, rules=rules)
    with pytest.raises(UnsupportedMediaType, match="image/png are not accepted"):
        receive(Upload(io.BytesIO(png_bytes()), "a.png"), store=store, rules=rules)


def test_identical_content_is_stored_once(tmp_path):
    store = LocalEvidenceStore(tmp_path)
    data = pdf_bytes()
    for name in ("a.pdf", "b.pdf"):
        store.place(receive(Upload(io.BytesIO(data), name), store=store,
                            rules=RULES).staged)
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert stored[0].stat().st_mode & 0o777 == 0o600
