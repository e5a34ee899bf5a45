"""The domains of the service, in one list: each contributes its pages (``views.bp``) and its
JSON operations (importing ``api`` registers them on the ``/api/v1`` blueprint and in the
OpenAPI document). A new domain is added here and nowhere else."""

from __future__ import annotations

from importlib import import_module

import click
from flask import Flask

#: Modules holding a blueprint ``bp`` named after its domain: the pages, and the VC-API (whose
#: routes are fixed by the W3C specification, outside ``/api/v1``).
BLUEPRINTS = ("home.views", "accounts.views", "organisations.views", "programmes.views",
              "achievements.views", "cohorts.views", "status.views", "frameworks.views",
              "awards.views", "portfolios.views", "delivery.views", "certificates.views",
              "verification.views", "audit.views", "vcapi.api")
#: Domain packages with an ``api`` module.
APIS = ("accounts", "organisations", "programmes", "achievements", "awards", "cohorts",
        "delivery", "frameworks", "verification", "portfolios", "audit")

#: Command groups of the ``badge-service`` command line: ``(module, attribute)``.
COMMANDS = (("accounts.cli", "accounts_group"), ("accounts.cli", "users_group"),
            ("accounts.cli", "tokens_group"),
            ("keys.cli", "keys_group"), ("cohorts.cli", "cohorts_group"),
            ("programmes.cli", "programmes_group"), ("frameworks.cli", "frameworks_group"),
            ("demo.cli", "demo_command"), ("awards.cli", "awards_group"),
            ("portfolios.cli", "portfolios_group"), ("audit.cli", "audit_group"))


def commands() -> list[click.Command]:
    return [getattr(import_module(f"badge_service.{module}"), name) for module, name in COMMANDS]


def register(app: Flask) -> None:
    from badge_service.edge.openapi import bp as api_bp
    from badge_service.extensions import csrf

    for name in APIS:
        import_module(f"badge_service.{name}.api")
    app.register_blueprint(api_bp)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"badge_service.{name}").bp)
    # The API accepts bearer tokens only, never cookies, so cross-site requests carry no
    # credentials and CSRF tokens are not needed there.
    csrf.exempt(api_bp)
