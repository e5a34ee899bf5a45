"""``relatedResource``: VC Data Model 2.0 §5.3 "Integrity of Related Resources".

A credential may pin the exact bytes of resources it relies on (typically its ``@context``
documents) with ``relatedResource``: one or more objects, each with an ``id`` (a URL, unique
among them) and at least one of ``digestSRI`` (a Subresource Integrity hash expression:
``sha256-``/``sha384-``/``sha512-`` + base64) and ``digestMultibase`` (a multibase-encoded
multihash, VC Data Integrity §2.6), optionally a ``mediaType``.

:func:`check` validates that shape for every entry and, when the resource is one this
library bundles (a context or JSON Schema of ``schemas/manifest.json``, so the verifier uses
exactly those bytes), recomputes each digest over the bundled file's exact bytes and reports a
mismatch: the issuer described other bytes than those the credential is verified with. Other
resources are never fetched: their digests are checked for form only. Pure: no network, no I/O
beyond the bundled files.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import schemas

from . import multibase
from .errors import CredentialsError

MALFORMED = "malformed-input"
MISMATCH = "related-resource-mismatch"
CHECK = "related-resources"

_SRI_ALGORITHMS = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
# Multihash codes (multiformats table) -> (hashlib name, digest length).
_MULTIHASH = {
    0x12: ("sha256", 32),
    0x20: ("sha384", 48),
    0x13: ("sha512", 64),
    0x16: ("sha3_256", 32),
    0x15: ("sha3_384", 48),
    0x14: ("sha3_512", 64),
}
# SRI §3.5: hash-expression = hash-algo "-" base64-value [ "?" option-expression ].
_SRI = re.compile(r"^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class Finding:
    """One problem with ``relatedResource`` (``field`` names where), or one digest checked."""

    ok: bool
    field: str
    detail: str
    problem: str | None = None


class _Report(Protocol):
    def ok(self, name: str, detail: str) -> None: ...
    def fail(self, name: str, problem: str, detail: str) -> None: ...


@cache
def _bundled_files() -> dict[str, str]:
    """Every bundled URL (and alias) -> its file under ``schemas/``."""
    out: dict[str, str] = {}
    manifest = schemas.load_manifest()
    for section in ("contexts", "json_schemas"):
        for entry in manifest.get(section, []):
            for url in (entry["url"], *entry.get("aliases", [])):
                out[url] = entry["file"]
    return out


def bundled_bytes(url: str) -> bytes | None:
    """The exact bytes of a bundled context or schema, or None when ``url`` is not bundled."""
    file = _bundled_files().get(url)
    return (schemas.ROOT / file).read_bytes() if file else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _sri_digests(value: Any, where: str, out: list[Finding]) -> list[tuple[str, bytes]]:
    digests = []
    values = _as_list(value)
    if not values or not all(isinstance(v, str) for v in values):
        out.append(Finding(False, where, "must be an SRI hash expression (a string)", MALFORMED))
        return []
    # SRI metadata may hold several whitespace-separated expressions.
    tokens = [t for v in values for t in v.split()]
    if not tokens:
        out.append(Finding(False, where, "is empty", MALFORMED))
    for token in tokens:
        match = _SRI.match(token)
        if not match:
            out.append(Finding(False, where, f"{token[:80]!r} is not an SRI hash expression "
                               "(sha256-, sha384- or sha512- followed by base64)", MALFORMED))
            continue
        algorithm, encoded = match.group(1), match.group(2)
        try:
            digest = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            out.append(Finding(False, where, f"{token[:80]!r}: invalid base64", MALFORMED))
            continue
        if len(digest) != hashlib.new(algorithm).digest_size:
            out.append(Finding(False, where, f"{token[:80]!r}: a {algorithm} digest has "
                               f"{hashlib.new(algorithm).digest_size} bytes, not {len(digest)}",
                               MALFORMED))
            continue
        digests.append((_SRI_ALGORITHMS[algorithm], digest))
    return digests


def _multibase_digests(value: Any, where: str, out: list[Finding]) -> list[tuple[str, bytes]]:
    digests = []
    values = _as_list(value)
    if not values or not all(isinstance(v, str) and v for v in values):
        out.append(Finding(False, where, "must be a multibase-encoded multihash (a string)",
                           MALFORMED))
        return []
    for token in values:
        try:
            data = multibase.multibase_decode(token)
            code, used = multibase.varint_decode(data)
            length, used_length = multibase.varint_decode(data[used:])
        except CredentialsError as exc:
            out.append(Finding(False, where, f"{token[:80]!r}: {exc.detail}", MALFORMED))
            continue
        digest = data[used + used_length:]
        if code not in _MULTIHASH:
            out.append(Finding(False, where, f"{token[:80]!r}: multihash code {code:#x} is not "
                               "a supported hash (sha2-256/384/512, sha3-256/384/512)",
                               MALFORMED))
            continue
        algorithm, size = _MULTIHASH[code]
        if length != size or len(digest) != size:
            out.append(Finding(False, where, f"{token[:80]!r}: a {algorithm} multihash must "
                               f"carry {size} digest bytes", MALFORMED))
            continue
        digests.append((algorithm, digest))
    return digests


def check(document: Mapping[str, Any], *, known: Container[str] | None = None) -> list[Finding]:
    """Every problem with ``document["relatedResource"]``, then one ok Finding per digest checked.

    ``known``: the URLs whose bytes the caller relies on (a verifier's document loader); a
    bundled resource is digest-checked when it is in ``known`` (by default: always).
    Returns an empty list when the document has no ``relatedResource``.
    """
    if "relatedResource" not in document:
        return []
    value = document["relatedResource"]
    entries = _as_list(value)
    findings: list[Finding] = []
    if not entries:
        return [Finding(False, "relatedResource", "must be one or more objects", MALFORMED)]
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"relatedResource[{index}]" if isinstance(value, list) else "relatedResource"
        if not isinstance(entry, Mapping):
            findings.append(Finding(False, where, "must be an object", MALFORMED))
            continue
        ident = entry.get("id")
        if not isinstance(ident, str) or not _URL.match(ident):
            findings.append(Finding(False, f"{where}.id", "is required: the resource's URL",
                                    MALFORMED))
            ident = None
        elif ident in seen:
            findings.append(Finding(False, f"{where}.id", f"{ident} is listed twice (also "
                                    f"relatedResource[{seen[ident]}]); ids must be unique",
                                    MALFORMED))
        else:
            seen[ident] = index
        if "mediaType" in entry and not isinstance(entry["mediaType"], str):
            findings.append(Finding(False, f"{where}.mediaType", "must be a string", MALFORMED))
        if "digestSRI" not in entry and "digestMultibase" not in entry:
            findings.append(Finding(False, where, "needs digestSRI or digestMultibase",
                                    MALFORMED))
            continue
        digests: list[tuple[str, str, bytes]] = []
        if "digestSRI" in entry:
            digests += [("digestSRI", a, d) for a, d in
                        _sri_digests(entry["digestSRI"], f"{where}.digestSRI", findings)]
        if "digestMultibase" in entry:
            digests += [("digestMultibase", a, d) for a, d in _multibase_digests(
                entry["digestMultibase"], f"{where}.digestMultibase", findings)]
        if ident is None or (known is not None and ident not in known):
            continue
        data = bundled_bytes(ident)
        if data is None:
            continue
        for name, algorithm, digest in digests:
            actual = hashlib.new(algorithm, data).digest()
            if actual == digest:
                findings.append(Finding(True, f"{where}.{name}",
                                        f"{ident}: {algorithm} matches the bundled copy"))
            else:
                findings.append(Finding(False, f"{where}.{name}", (
                    f"{ident}: the {algorithm} digest does not match the bundled copy of that "
                    f"resource, which is what this credential is processed with (its {algorithm}"
                    f" is {actual.hex()})"), MISMATCH))
    return findings


def report_on(document: Mapping[str, Any], loader: Container[str], report: _Report) -> None:
    """Add the outcome of :func:`check` to a verification report (nothing without the member)."""
    findings = check(document, known=loader)
    if not findings and "relatedResource" not in document:
        return
    problems = [f for f in findings if not f.ok]
    for finding in problems:
        report.fail(CHECK, finding.problem or MALFORMED, f"{finding.field}: {finding.detail}")
    if not problems:
        matched = sum(f.ok for f in findings)
        entries = len(_as_list(document["relatedResource"]))
        report.ok(CHECK, f"{entries} related resource(s) well formed; {matched} digest(s) "
                  "match the bundled copies" if matched else
                  f"{entries} related resource(s) well formed (none is bundled here, so their "
                  "digests were not recomputed)")
