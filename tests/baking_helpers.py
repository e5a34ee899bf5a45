"""What the baking tests share: a sample credential and JWT, an SVG, and a tiny PNG written
by hand (so that they depend on no image library)."""

from __future__ import annotations

import struct
import zlib

CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "https://badges.example.org/credentials/5c1d",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:example:org", "type": ["Profile"], "name": "Académie de Lyon"},
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://badges.example.org/achievements/1",
            "type": ["Achievement"],
            "name": "Formateur·rice — niveau B1",
            # A CDATA section cannot contain this sequence: the SVG baker must cope.
            "description": "Cas limite: ]]> dans le texte, <balises> & entités",
        },
    },
}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkaWQ6ZXhhbXBsZToxIn0.c2lnbmF0dXJl"

SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 64 64">
  <!-- badge artwork -->
  <title>Badge</title>
  <circle cx="32" cy="32" r="30" fill="#c33"/>
  <a xlink:href="https://badges.example.org"><text x="8" y="36">B1 &amp; more</text></a>
</svg>
"""


def chunk(chunk_type: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + chunk_type
        + data
        + struct.pack(">I", zlib.crc32(chunk_type + data))
    )


def make_png(width: int = 3, height: int = 2, extra: bytes = b"") -> bytes:
    """A tiny RGB PNG written by hand, so that the tests depend on no image library."""
    rows = b"".join(
        b"\x00" + b"".join(bytes([x * 40, y * 90, 200]) for x in range(width))
        for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
