"""The downloadable forms of an issued credential: baked badge images and the VC-JWT.

Decisions:

* The badge image is the one the document names (``achievement.image``, a content-addressed
  upload of ours), so baked images match what was signed even if the achievement's image is
  replaced later. Without one, a default badge is drawn from the achievement name (SVG and
  PNG). Every credential has both baked forms: a PNG picture is also wrapped in an SVG; an SVG
  picture cannot be rasterised (no SVG renderer among our dependencies), so its baked PNG —
  and its link-preview PNG — is the default drawn badge instead (PNG-only backpacks still get
  the credential; the SVG download keeps the achievement's own drawing).
* The VC-JWT form is the one stored at issue time. For credentials issued before that was
  stored, it is signed on demand only while the signing key is still the organisation's active
  key: retired keys never sign anything new, so afterwards the answer is a clear 409.
"""

from __future__ import annotations

import base64
import re
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from badge_service.adapters import uploads
from badge_service.adapters.keyring import Keyring
from badge_service.awards.models import IssuedCredential
from badge_service.delivery.service import signed_texts
from badge_service.errors import Conflict, NotFound
from badge_service.formats.badge_image import XML_INVALID, default_badge_png, default_badge_svg
from credentials import baking
from credentials.errors import CredentialsError
from credentials.jwt import sign_jwt


def download_filename(name: str, extension: str, fallback: str = "credential") -> str:
    """An ASCII file name derived from ``name``: letters, digits and dashes only (no path, no
    quotes, nothing a header or a file system could misread)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:60].strip("-")
    return f"{slug or fallback}.{extension}"


@dataclass(frozen=True)
class BadgeSource:
    """The image a credential's badge is drawn from."""

    data: bytes
    kind: str  # "png" | "svg"
    #: The stored upload it came from; None for the generated default.
    upload_name: str | None

    @property
    def baked_kinds(self) -> tuple[str, ...]:
        # Always both: see the module docstring for what each is drawn from.
        return ("png", "svg")

    @property
    def png_upload(self) -> bool:
        """Whether the PNG forms show the uploaded picture itself (else the default badge)."""
        return self.upload_name is not None and self.kind == "png"


def badge_source(credential: IssuedCredential, *, public_base_url: str,
                 upload_dir: str | Path) -> BadgeSource:
    """The image the signed document names (one of our uploads), else the default badge."""
    achievement = signed_texts.achievement_of(credential.document)
    image = achievement.get("image")
    image_id = image.get("id") if isinstance(image, dict) else image
    prefix = f"{public_base_url}/uploads/"
    if isinstance(image_id, str) and image_id.startswith(prefix):
        name = image_id[len(prefix):]
        path = uploads.path_of(upload_dir, name)
        if path is not None:
            return BadgeSource(path.read_bytes(), name.rsplit(".", 1)[1], name)
    return BadgeSource(default_badge_svg(signed_texts.achievement_name(credential),
                                         signed_texts.issuer_name(credential.document),
                                         seed=str(credential.achievement_id)), "svg", None)


def default_badge_png_for(credential: IssuedCredential) -> bytes:
    return default_badge_png(signed_texts.achievement_name(credential),
                             signed_texts.issuer_name(credential.document),
                             seed=str(credential.achievement_id))


def _svg_around_png(png: bytes, title: str) -> bytes:
    """An SVG showing ``png`` (embedded as a data: image) at its own size."""
    width, height = struct.unpack(">II", png[16:24])  # IHDR: checked when it was uploaded
    title = XML_INVALID.sub("", title)
    data = base64.b64encode(png).decode("ascii")
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>"
        f'<image width="{width}" height="{height}" href="data:image/png;base64,{data}"/>'
        "</svg>\n"
    )
    return svg.encode("utf-8")


def baked_badge(credential: IssuedCredential, kind: str, *, public_base_url: str,
                upload_dir: str | Path) -> bytes:
    """The badge image with the signed credential baked in, as ``kind`` ("png" or "svg")."""
    source = badge_source(credential, public_base_url=public_base_url, upload_dir=upload_dir)
    if kind not in source.baked_kinds:
        raise NotFound(f"no baked {kind} form")
    if kind == "png":
        picture = source.data if source.png_upload else default_badge_png_for(credential)
        return baking.bake_png(picture, credential.document)
    svg = (source.data if source.kind == "svg"
           else _svg_around_png(source.data, signed_texts.achievement_name(credential)))
    return baking.bake_svg(svg, credential.document)


def unsigned_document(credential: IssuedCredential) -> dict[str, Any]:
    return {k: v for k, v in credential.document.items() if k != "proof"}


def credential_jwt(credential: IssuedCredential, keyring: Keyring) -> str:
    """The credential's VC-JWT form (see the module docstring for keys)."""
    if credential.jwt:
        return credential.jwt
    identity = keyring.identity(credential.organisation)
    if identity.verification_method != credential.verification_method:
        raise Conflict(
            "the JWT form of this credential is not available: it was signed with the key "
            f"{credential.verification_method}, which the issuer has since retired, and "
            "retired keys never sign anything new. The signed JSON (credential.json) and the "
            "baked badge images still verify.")
    try:
        return sign_jwt(unsigned_document(credential), identity.signer())
    except CredentialsError as exc:
        raise Conflict(f"the JWT form of this credential cannot be made: {exc.detail}") from None
