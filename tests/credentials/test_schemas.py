"""The pinned standards data in ``schemas/``: manifest integrity and provenance.

The oracle is ``../shared/standards/README.md``, which lists the canonical sha256 of each
context and schema as published by W3C / 1EdTech. Every bundled file must carry exactly those
bytes (taken as a registry package ships them, or through the documented ``transform`` that
gives them back), or — where neither reproduces them — be marked ``byte_identical: false`` and
be JSON-equal to the canonical file.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

import schemas
from schemas import refresh

MANIFEST = json.loads((schemas.ROOT / "manifest.json").read_text(encoding="utf-8"))
ENTRIES = [(section, e) for section in ("contexts", "json_schemas") for e in MANIFEST[section]]

# Which canonical file (path under ../shared/standards) each bundled URL must reproduce. For
# context-3.0.3.json purl serves the 2026 edit (adds `jti`, `endorsementJwt`): we pin that one.
_OB = "https://purl.imsglobal.org/spec/ob/v3p0/"
_CLR = "https://purl.imsglobal.org/spec/clr/v2p0/"
_CAPTURE = "schemas/ob-v3p0/purl-capture-2026-07/"
CANONICAL_FILE = {
    "https://www.w3.org/ns/credentials/v2": "contexts/w3c/credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "contexts/w3c/credentials-examples-v2.jsonld",
    "https://w3id.org/security/data-integrity/v2": "contexts/w3c/data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "contexts/w3c/multikey-v1.jsonld",
    _OB + "context.json": "contexts/ob-v3p0/context.json",
    _OB + "context-3.0.1.json": "contexts/ob-v3p0/context-3.0.1.json",
    _OB + "context-3.0.2.json": "contexts/ob-v3p0/context-3.0.2.json",
    _OB + "context-3.0.3.json": "contexts/ob-v3p0/context-3.0.3.updated-2026.json",
    _OB + "extensions.json": "contexts/ob-v3p0/extensions.json",
    _CLR + "context-2.0.1.json": "contexts/clr-v2p0/context-2.0.1.json",
    **{
        _OB + f"schema/json/ob_v3p0_{name}_schema.json": f"{_CAPTURE}ob_v3p0_{name}_schema.json"
        for name in ("achievementcredential", "profile")
    },
}

# Bundled files whose original is not in ../shared/standards: the canonical sha256 is pinned here,
# with where it comes from. The VC 1.1 context is the file W3C serves at its URL, the one in
# w3c/vc-data-model (contexts/credentials/v1, unchanged since 2019): 7687 bytes, sha256 ab4ddd9a….
# Several independent public projects pin that same digest for the served bytes; it was not
# re-fetched from w3.org here. test_vc11_context_is_json_equal_to_other_registry_copies adds an
# offline cross-check against pyld's separately reformatted copy.
VC_V1 = "https://www.w3.org/2018/credentials/v1"
CANONICAL_SHA256_OUTSIDE_SHARED = {
    VC_V1: "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
}

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_readme_tables(text: str) -> dict[str, dict[str, str]]:
    """Rows of the README's `| file | canonical URL | source | sha256 | license |` tables.

    Keyed by file; a URL cell reading "same URL, …" inherits the previous row's URL.
    """
    rows: dict[str, dict[str, str]] = {}
    in_table = False
    last_url = ""
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "file" and cells[1].startswith("canonical URL"):
            in_table = True
            continue
        if not in_table or set(cells[0]) <= {"-", " "}:
            continue
        url_cell = cells[1]
        url = url_cell.split()[0] if url_cell.startswith("http") else last_url
        if url_cell.startswith("…/"):
            url = last_url.rsplit("/", 1)[0] + "/" + url_cell.split()[0].rsplit("/", 1)[-1]
        if url_cell.startswith("http"):
            last_url = url
        rows[cells[0]] = {"url": url, "url_cell": url_cell, "sha256": cells[3]}
    return rows


@pytest.fixture(scope="module")
def readme_rows(standards_dir: Path) -> dict[str, dict[str, str]]:
    rows = parse_readme_tables((standards_dir / "README.md").read_text(encoding="utf-8"))
    assert len(rows) >= 15, "README tables were not parsed; has their layout changed?"
    return rows


def _ids(entries: list[tuple[str, dict]]) -> list[str]:
    return [e["file"] for _, e in entries]


# ---------------------------------------------------------------- provenance against the oracle


def test_every_bundled_url_has_a_canonical_file_and_vice_versa() -> None:
    assert not set(CANONICAL_FILE) & set(CANONICAL_SHA256_OUTSIDE_SHARED)
    assert {e["url"] for _, e in ENTRIES} == set(CANONICAL_FILE) | set(
        CANONICAL_SHA256_OUTSIDE_SHARED
    )


@pytest.mark.parametrize(("section", "entry"), ENTRIES, ids=_ids(ENTRIES))
def test_bundled_file_matches_canonical_sha256(
    section: str, entry: dict, readme_rows: dict, standards_dir: Path
) -> None:
    if entry["url"] in CANONICAL_SHA256_OUTSIDE_SHARED:
        data = (schemas.ROOT / entry["file"]).read_bytes()
        assert entry["byte_identical"] is True
        assert _sha(data) == entry["sha256"] == CANONICAL_SHA256_OUTSIDE_SHARED[entry["url"]]
        return
    canonical = CANONICAL_FILE[entry["url"]]
    row = readme_rows[canonical]
    assert SHA256.match(row["sha256"]), row
    assert row["url"] == entry["url"], f"README row {canonical} is for {row['url']}"
    # The oracle file itself must carry the digest its README claims.
    assert _sha((standards_dir / canonical).read_bytes()) == row["sha256"]

    data = (schemas.ROOT / entry["file"]).read_bytes()
    assert _sha(data) == entry["sha256"]
    if entry["byte_identical"]:
        assert entry["sha256"] == row["sha256"]
        assert "canonical_sha256" not in entry
    else:
        assert entry["canonical_sha256"] == row["sha256"]
        assert entry["sha256"] != row["sha256"], "identical bytes: mark it byte_identical"
        canonical_doc = json.loads((standards_dir / canonical).read_bytes())
        assert json.loads(data) == canonical_doc


def test_extensions_context_is_the_published_bytes(readme_rows: dict) -> None:
    # Pinned separately from the parametrized check: that one accepts a JSON-equal file when an
    # entry says byte_identical false, and this file must stay the exact published bytes.
    [entry] = [e for e in MANIFEST["contexts"] if e["url"] == _OB + "extensions.json"]
    canonical = readme_rows["contexts/ob-v3p0/extensions.json"]["sha256"]
    assert canonical == "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3"
    assert _sha((schemas.ROOT / entry["file"]).read_bytes()) == canonical
    assert entry["sha256"] == canonical
    assert entry["byte_identical"] is True
    assert entry["origin"]["transform"] == "json-reindent-4"


_WHEEL_ENTRIES = [
    (section, e) for section, e in ENTRIES
    if e["origin"]["registry"] == "pypi" and e["origin"]["package"] == "openbadgeslib"
    and e["origin"]["archive"] == "wheel"
]


@pytest.mark.parametrize(("section", "entry"), _WHEEL_ENTRIES, ids=_ids(_WHEEL_ENTRIES))
def test_wheel_entries_derive_from_the_installed_package(section: str, entry: dict) -> None:
    # openbadgeslib is a pinned test dependency installed from the same wheel the manifest
    # names, so its files are the registry bytes: derive each bundled file from them offline,
    # exactly as refresh.py does from a fresh download (member, extract, then transform).
    from importlib.metadata import distribution

    origin = entry["origin"]
    dist = distribution(origin["package"])
    assert dist.version == origin["version"], "the test extra pins another openbadgeslib"
    member = Path(str(dist.locate_file(origin["member"])))
    data = refresh.transform(
        refresh.extract(member.read_bytes(), origin.get("extract")), origin.get("transform")
    )
    assert data == (schemas.ROOT / entry["file"]).read_bytes()


def test_vc11_context_is_json_equal_to_other_registry_copies() -> None:
    # pyld (a runtime dependency) ships its own copy of the VC 1.1 context, reformatted (the
    # same 8957 bytes as npm @digitalbazaar/credentials-context 3.x): same JSON, other bytes.
    from importlib.resources import files

    [entry] = [e for e in MANIFEST["contexts"] if e["url"] == VC_V1]
    bundled = (schemas.ROOT / entry["file"]).read_bytes()
    pyld_copy = files("pyld").joinpath("documentloader/frozen/bundled/credentials-v1.jsonld")
    other = pyld_copy.read_bytes()
    assert _sha(other) != _sha(bundled)
    assert json.loads(other) == json.loads(bundled)
    assert len(bundled) == 7687
    # The VC 1.1 context defines the terms a VC 1.1 credential uses, `proof` as a graph.
    context = json.loads(bundled)["@context"]
    credential_terms = context["VerifiableCredential"]["@context"]
    assert {"issuanceDate", "expirationDate", "credentialSubject", "issuer"} <= set(
        credential_terms
    )
    assert context["proof"]["@container"] == "@graph"


def test_examples_v2_is_the_w3c_file_and_no_npm_package_has_it(standards_dir: Path) -> None:
    # npm @digitalbazaar/credentials-examples-context@1.0.0 (its only version) ships the VC 1.1
    # examples context (https://www.w3.org/2018/credentials/examples/v1, sha256 73bebae2…), not
    # examples/v2; the openbadgeslib sdist carries the W3C examples/v2 bytes unchanged.
    [entry] = [
        e for e in MANIFEST["contexts"]
        if e["url"] == "https://www.w3.org/ns/credentials/examples/v2"
    ]
    assert entry["origin"]["archive"] == "sdist"
    canonical = (standards_dir / "contexts/w3c/credentials-examples-v2.jsonld").read_bytes()
    assert (schemas.ROOT / entry["file"]).read_bytes() == canonical
    assert _sha(canonical) == "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"


def test_the_303_url_serves_the_2026_edit_with_jti_and_endorsement_jwt() -> None:
    ctx = schemas.bundled_documents("contexts")[
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    ]
    text = json.dumps(ctx)
    assert '"jti"' in text
    assert '"endorsementJwt"' in text


# ------------------------------------------------------------------------ manifest integrity


@pytest.mark.parametrize(("section", "entry"), ENTRIES, ids=_ids(ENTRIES))
def test_manifest_entry_shape(section: str, entry: dict) -> None:
    assert entry["url"].startswith("https://")
    prefix = "contexts/" if section == "contexts" else "json/"
    assert entry["file"].startswith(prefix)
    assert ".." not in Path(entry["file"]).parts
    assert SHA256.match(entry["sha256"])
    assert isinstance(entry["aliases"], list)
    assert entry["source"]
    assert entry["license"]
    assert isinstance(entry["byte_identical"], bool)
    origin = entry["origin"]
    assert origin["registry"] in {"pypi", "npm"}
    assert {"package", "version", "archive", "member"} <= set(origin)
    assert set(origin) <= {"registry", "package", "version", "archive", "member", "extract",
                           "transform"}, "an origin key refresh.py does not know"
    if "transform" in origin:
        assert origin["transform"] in refresh.TRANSFORMS
        # A transform exists only to give back the published bytes; if it does not, the
        # entry must say so (byte_identical false) and bundle the package's bytes untouched.
        assert entry["byte_identical"], "a transform that does not reproduce the original"
    if section == "json_schemas":
        assert entry["kind"] in {"AchievementCredential", "EndorsementCredential", "Profile"}
        assert entry["variant"] in {"jsonld", "formal"}


def test_urls_and_aliases_are_unique() -> None:
    for section in ("contexts", "json_schemas"):
        urls = [u for e in MANIFEST[section] for u in [e["url"], *e["aliases"]]]
        assert len(urls) == len(set(urls)), section


def test_every_file_under_schemas_is_listed() -> None:
    listed = {e["file"] for _, e in ENTRIES}
    on_disk = {
        p.relative_to(schemas.ROOT).as_posix()
        for folder in ("contexts", "json")
        for p in (schemas.ROOT / folder).rglob("*")
        if p.is_file()
    }
    assert on_disk == listed


def test_bundled_documents_parse_as_expected() -> None:
    from jsonschema import Draft201909Validator

    contexts = schemas.bundled_documents("contexts")
    assert set(contexts) == {e["url"] for e in MANIFEST["contexts"]}
    for url, doc in contexts.items():
        assert "@context" in doc, url
    for url, doc in schemas.bundled_documents("json_schemas").items():
        Draft201909Validator.check_schema(doc)
        assert doc["$id"] == url


@pytest.fixture
def schemas_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A private copy of schemas/ that load_manifest reads instead of the real one."""
    root = tmp_path / "schemas"
    shutil.copytree(schemas.ROOT, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    schemas.load_manifest.cache_clear()
    schemas.bundled_documents.cache_clear()
    monkeypatch.setattr(schemas, "ROOT", root)
    yield root
    monkeypatch.undo()
    schemas.load_manifest.cache_clear()
    schemas.bundled_documents.cache_clear()


def test_load_manifest_accepts_an_untouched_copy(schemas_copy: Path) -> None:
    assert schemas.load_manifest()["contexts"]


def test_load_manifest_refuses_a_drifted_file(schemas_copy: Path) -> None:
    target = schemas_copy / "contexts/ob-v3p0/context-3.0.3.json"
    target.write_bytes(target.read_bytes().replace(b'"jti"', b'"jtx"', 1))
    with pytest.raises(schemas.ManifestError, match=r"context-3\.0\.3\.json has sha256"):
        schemas.load_manifest()


def test_load_manifest_refuses_a_missing_file(schemas_copy: Path) -> None:
    (schemas_copy / "json/ob-v3p0/jsonld/ob_v3p0_profile_schema.json").unlink()
    with pytest.raises(schemas.ManifestError, match="is missing"):
        schemas.load_manifest()


# ------------------------------------------------------------- refresh script (offline parts)


def test_refresh_cuts_the_json_out_of_a_commonjs_module() -> None:
    payload = b'{\n  "@context": {"a": "b;c"}\n}'
    module = b"/* c */\n'use strict';\n\nmodule.exports = " + payload + b";\n"
    assert refresh.extract(module, "commonjs-module-exports") == payload
    assert refresh.extract(payload, None) == payload
    with pytest.raises(refresh.RefreshError):
        refresh.extract(payload, "unknown-rule")


def test_refresh_reindent_transform_restores_the_published_layout(standards_dir: Path) -> None:
    published = (standards_dir / "contexts/ob-v3p0/extensions.json").read_bytes()
    for variant in (
        # openbadgeslib's layout: 2-space indent, CRLF line ends.
        json.dumps(json.loads(published), indent=2).replace("\n", "\r\n").encode() + b"\r\n",
        json.dumps(json.loads(published), separators=(",", ":")).encode(),
        published,
    ):
        assert refresh.transform(variant, "json-reindent-4") == published
    # Non-ASCII text stays as it is, UTF-8 encoded, as the 1EdTech files carry it.
    assert refresh.transform('{"a": "é"}'.encode(), "json-reindent-4") == (
        '{\n    "a": "é"\n}'.encode()
    )
    assert refresh.transform(b"{}", None) == b"{}"
    with pytest.raises(refresh.RefreshError, match="unknown transform"):
        refresh.transform(b"{}", "json-reindent-8")
    with pytest.raises(refresh.RefreshError, match="failed"):
        refresh.transform(b"not json", "json-reindent-4")


def test_refresh_reads_members_from_zip_and_tar(tmp_path: Path) -> None:
    import tarfile
    import zipfile

    member = tmp_path / "ctx.json"
    member.write_bytes(b"{}")
    wheel = tmp_path / "p.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.write(member, "pkg/ctx.json")
    tgz = tmp_path / "p.tgz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(member, "package/ctx.json")
    assert refresh.read_member(wheel, "pkg/ctx.json") == b"{}"
    assert refresh.read_member(tgz, "package/ctx.json") == b"{}"
    with pytest.raises(refresh.RefreshError, match="no member"):
        refresh.read_member(tgz, "package/other.json")
