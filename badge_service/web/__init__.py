"""Server-rendered pages. Views parse input, call a service, render output."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..api import vcapi
    from . import admin, auth, cohorts, credentials_public, issuers, main
    from . import awards as awards_pages
    from . import certificates as certificates_pages
    from . import frameworks as frameworks_pages
    from . import programmes as programmes_pages
    from . import verify as verify_pages

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(programmes_pages.bp)
    app.register_blueprint(cohorts.bp)
    app.register_blueprint(issuers.bp)
    app.register_blueprint(frameworks_pages.bp)
    app.register_blueprint(awards_pages.bp)
    app.register_blueprint(credentials_public.bp)
    app.register_blueprint(certificates_pages.bp)
    app.register_blueprint(verify_pages.bp)
    app.register_blueprint(vcapi.bp)

    from ..api import bp as api_bp
    from ..extensions import csrf

    # The API accepts bearer tokens only, never cookies, so cross-site requests carry no
    # credentials and CSRF tokens are not needed there.
    csrf.exempt(api_bp)
