"""Security headers on every response.

Pages get a Content-Security-Policy that allows only this site's own scripts, styles, images
and form targets (no inline script, not even ``onsubmit="…"`` attributes: use a static
script), so an escaping slip cannot run injected code; everything
else (JSON, files) gets a policy that allows nothing. Nobody may frame the service
(clickjacking). A view that needs something else sets the header itself: values already
present are kept.
"""

from __future__ import annotations

import hashlib
import json

from flask import Flask, Response, request

PAGE_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # style="…" attributes (e.g. indenting a tree by depth) but no <style> elements.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        for name, value in ALWAYS.items():
            headers.setdefault(name, value)
        policy = PAGE_POLICY if response.mimetype == "text/html" else OTHER_POLICY
        headers.setdefault("Content-Security-Policy", policy)
        if request.endpoint != "static":
            # Pages show personal data and one-time secrets (new API tokens): keep them out of
            # shared caches and the back/forward cache. Static files keep Flask's caching.
            headers.setdefault("Cache-Control", "no-store")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def public_json(document: dict, media_type: str, max_age: int) -> Response:
    return public_document(json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                     media_type, max_age)


def public_document(body: str, media_type: str, max_age: int) -> Response:
    """A public document verifiers fetch: an ETag, public caching for ``max_age`` seconds,
    readable cross-origin (browser wallets fetch these), conditional GET."""
    etag = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
    response = Response(body, mimetype=media_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # browser wallets fetch these
    return response.make_conditional(request)
