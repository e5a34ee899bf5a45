"""PDF baking: the signed credential as an associated file of the document (PDF 2.0 / PDF/A-3
style: ``credential.json``, media type ``application/vc+ld+json``, named in /EmbeddedFiles and
/AF with relationship /Source), so that a printed certificate alone can be verified offline.

Unbaking runs on untrusted uploads: the file and the decoded attachment are capped (pypdf's
decoders are configured with the same limits, so a compression bomb stops early), the name tree
is walked with a depth and size budget, and every defect is one plain sentence for people.
"""

from __future__ import annotations

import io
import json
import warnings
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from credentials.errors import BakingError, InputTooLargeError

ATTACHMENT_NAME = "credential.json"
ATTACHMENT_MEDIA_TYPE = "application/vc+ld+json"
#: Largest PDF ``unbake_pdf`` reads, and largest embedded credential it decodes.
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024

_JSON_MEDIA_TYPES = (ATTACHMENT_MEDIA_TYPE, "application/ld+json", "application/json")


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF (``%PDF-`` within its first kilobyte, after space)."""
    return bytes(data[:1024]).lstrip().startswith(b"%PDF-")


def _pdf_date(value: datetime) -> str:
    return value.strftime("D:%Y%m%d%H%M%S+00'00'")


def bake_pdf(pdf_bytes: bytes, credential: Mapping[str, Any], *, date: datetime | None = None,
             max_bytes: int = MAX_PDF_BYTES) -> bytes:
    """``pdf_bytes`` with ``credential`` attached as ``credential.json`` (an associated file).

    A PDF carries the credential object (JSON-LD), not a VC-JWT: a string is refused. With
    ``date``, the attachment's modification date and the document's creation and modification
    dates are set from it, so that the output depends only on the data.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, NameObject, NumberObject, TextStringObject

    if not isinstance(credential, Mapping):
        raise BakingError(
            f"a PDF carries a credential object ({ATTACHMENT_NAME}), got "
            f"{type(credential).__name__}"
        )
    if not isinstance(pdf_bytes, bytes | bytearray | memoryview):
        raise BakingError(f"PDF must be bytes, got {type(pdf_bytes).__name__}")
    if len(pdf_bytes) > max_bytes:
        raise InputTooLargeError(
            f"PDF of {len(pdf_bytes)} bytes exceeds the {max_bytes}-byte limit",
            size=len(pdf_bytes),
        )
    try:
        payload = json.dumps(credential, ensure_ascii=False, indent=2).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise BakingError(f"credential cannot be serialized as JSON: {exc}") from exc
    try:
        reader = PdfReader(io.BytesIO(bytes(pdf_bytes)))
        if ATTACHMENT_NAME in reader.attachments:
            raise BakingError(f"the PDF already carries an attachment named {ATTACHMENT_NAME}")
        writer = PdfWriter(clone_from=reader)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise BakingError(f"not a readable PDF: {exc}") from exc
    attachment = writer.add_attachment(ATTACHMENT_NAME, payload)
    attachment.subtype = NameObject("/" + ATTACHMENT_MEDIA_TYPE)
    attachment.description = TextStringObject("Open Badges 3.0 credential (signed)")
    attachment.associated_file_relationship = NameObject("/Source")
    attachment.size = NumberObject(len(payload))
    if date is not None:
        attachment.modification_date = date
    filespec = attachment.pdf_object
    filespec[NameObject("/UF")] = TextStringObject(ATTACHMENT_NAME)
    writer.root_object[NameObject("/AF")] = ArrayObject([filespec.indirect_reference])
    if date is not None:
        writer.add_metadata({"/CreationDate": _pdf_date(date), "/ModDate": _pdf_date(date)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _walk_names(node: Any, depth: int = 0, budget: list[int] | None = None
                ) -> Iterable[tuple[str, Any]]:
    """(name, value) pairs of a PDF name tree, bounded in depth and size."""
    budget = budget if budget is not None else [1000]
    if depth > 20:
        raise BakingError("the PDF's attachment list is nested too deeply")
    node = node.get_object()
    names = node.get("/Names")
    if names is not None:
        names = names.get_object()
        for index in range(0, len(names) - 1, 2):
            budget[0] -= 1
            if budget[0] < 0:
                raise BakingError("the PDF has too many attachments")
            yield str(names[index].get_object()), names[index + 1]
    for kid in node.get("/Kids") or ():
        yield from _walk_names(kid, depth + 1, budget)


def _attachment_stream(filespec: Any) -> Any:
    filespec = filespec.get_object()
    embedded = filespec.get("/EF")
    if embedded is None:
        return None
    embedded = embedded.get_object()
    stream = embedded.get("/UF") or embedded.get("/F")
    return stream.get_object() if stream is not None else None


def _media_type(stream: Any) -> str:
    subtype = stream.get("/Subtype")
    return str(subtype)[1:] if subtype is not None else ""


def _credential_stream(reader: Any) -> Any:
    """The attachment holding the credential: ``credential.json``, or the one JSON attachment."""
    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    tree = names.get_object().get("/EmbeddedFiles") if names is not None else None
    candidates: list[tuple[str, Any]] = []
    if tree is not None:
        for name, filespec in _walk_names(tree):
            stream = _attachment_stream(filespec)
            if stream is None:
                continue
            if name == ATTACHMENT_NAME or name.lower().endswith(".json") or \
                    _media_type(stream) in _JSON_MEDIA_TYPES:
                candidates.append((name, stream))
    exact = [c for c in candidates if c[0] == ATTACHMENT_NAME]
    if exact:
        candidates = exact[:1]
    if not candidates:
        raise BakingError(
            f"the PDF has no embedded credential ({ATTACHMENT_NAME}); only "
            "certificates downloaded from a badge page carry one")
    if len(candidates) > 1:
        raise BakingError(
            "the PDF has several JSON attachments and none is named "
            f"{ATTACHMENT_NAME}; cannot tell which is the credential")
    return candidates[0][1]


def unbake_pdf(pdf_bytes: bytes, *, max_bytes: int = MAX_PDF_BYTES,
               max_credential_bytes: int = MAX_CREDENTIAL_BYTES) -> dict[str, Any]:
    """The credential embedded in a PDF (``credential.json``, or the one JSON attachment), as a
    dict — not verified: pass it to ``credentials.verify.verify``.

    Raises BakingError with a plain message for anything else: not a PDF, a malformed or
    encrypted PDF, no or several candidate attachments, or one that is not a JSON object; and
    InputTooLargeError for a PDF, or an attachment once decompressed, over its limit."""
    if not isinstance(pdf_bytes, bytes | bytearray | memoryview):
        raise BakingError(f"PDF must be bytes, got {type(pdf_bytes).__name__}")
    if len(pdf_bytes) > max_bytes:
        raise InputTooLargeError(
            f"the PDF is larger than {max_bytes // (1024 * 1024)} MB", size=len(pdf_bytes))
    if not is_pdf(pdf_bytes):
        raise BakingError("the file is not a PDF (it does not start with %PDF-)")
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import PyPdfError

    limit = max_credential_bytes + 1
    too_large = InputTooLargeError("the embedded credential is too large")
    try:
        with warnings.catch_warnings(), apply_configuration(
                zlib_maximum_output_length=limit, lzw_maximum_output_length=limit,
                run_length_maximum_output_length=limit, brotli_maximum_output_length=limit,
                jbig2_maximum_output_length=limit,
                array_based_stream_maximum_output_length=limit,
                maximum_declared_stream_length=max_bytes,
                stream_decoding_work_maximum_length=8 * limit):
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(bytes(pdf_bytes)))
            if reader.is_encrypted:
                raise BakingError("the PDF is encrypted; certificates are not")
            stream = _credential_stream(reader)
            declared = stream.get("/Params", {}).get("/Size")
            if isinstance(declared, int) and declared > max_credential_bytes:
                raise too_large
            content = stream.get_data()
    except (BakingError, InputTooLargeError):
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, zlib.error, OSError, AssertionError) as exc:
        limit_hit = "limit" in str(exc).lower() or "exceed" in str(exc).lower()
        if limit_hit:
            raise too_large from exc
        raise BakingError("the PDF is malformed and cannot be read") from exc
    if len(content) > max_credential_bytes:
        raise too_large
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BakingError("the embedded credential is not valid UTF-8 JSON") from exc
    except RecursionError as exc:
        raise InputTooLargeError("the embedded credential nests too deeply") from exc
    if not isinstance(document, dict):
        raise BakingError("the embedded credential is not a JSON object")
    return document
