"""OB ``Evidence``, with an optional Subresource Integrity digest of its content."""

from __future__ import annotations

import base64
import hashlib

from ._fields import (
    _fail,
    _iri,
    _put,
    _string,
    _text,
)
from .vocabulary import (
    Json,
    Text,
)

_SRI_ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def evidence(
    id: str | None = None,
    *,
    name: Text | None = None,
    description: Text | None = None,
    narrative: Text | None = None,
    genre: str | None = None,
    audience: str | None = None,
    content: bytes | None = None,
    digest_algorithm: str = "sha256",
    media_type: str | None = None,
    language: str | None = None,
) -> Json:
    """An ``Evidence`` object; with ``content`` (the evidence bytes) adds ``digestSRI``.

    ``digestSRI`` and ``mediaType`` are VC 2.0 terms (see the module docstring). The digest is
    ``<alg>-<base64>`` as in Subresource Integrity (sha256, sha384 or sha512).
    """
    out: Json = {}
    _put(out, "id", None if id is None else _iri(id, "evidence.id"))
    out["type"] = ["Evidence"]
    _put(out, "name", None if name is None else _text(name, language, "evidence.name"))
    _put(
        out,
        "description",
        None if description is None else _text(description, language, "evidence.description"),
    )
    _put(
        out,
        "narrative",
        None if narrative is None else _text(narrative, language, "evidence.narrative"),
    )
    _put(out, "genre", None if genre is None else _string(genre, "evidence.genre"))
    _put(out, "audience", None if audience is None else _string(audience, "evidence.audience"))
    if content is not None:
        if not isinstance(content, bytes | bytearray | memoryview):
            raise _fail("evidence.content must be bytes", "evidence.content")
        if digest_algorithm not in _SRI_ALGORITHMS:
            raise _fail(
                f"evidence.digest_algorithm must be one of {', '.join(_SRI_ALGORITHMS)}",
                "evidence.digest_algorithm",
            )
        digest = _SRI_ALGORITHMS[digest_algorithm](bytes(content)).digest()
        out["digestSRI"] = f"{digest_algorithm}-{base64.b64encode(digest).decode('ascii')}"
    _put(
        out, "mediaType", None if media_type is None else _string(media_type, "evidence.media_type")
    )
    if len(out) == 1:
        raise _fail(
            "evidence needs at least an id, a narrative, a name, a description or content",
            "evidence",
        )
    return out
