"""The ``badge-service`` command line.

``credentials …`` works offline without an instance or database. Every other command runs
against the configured instance (``BADGE_*`` variables, ``instance/config.toml``); ``db`` comes
from Flask-Migrate. Commands that change data commit once, at the end, or not at all.
"""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from badge_service.config import ConfigError
from credentials.cli import credentials_group


def _create_app(*_args: object) -> object:
    from badge_service import create_app

    return create_app()


class ConfigProblem(click.ClickException):
    """A configuration error, told as one paragraph on stderr: the operator has a setting to
    fix, and a Python traceback would bury the sentence that names it."""

    exit_code = 2  # like a usage error: the fault is in how it was invoked, not in the data

    def __init__(self, error: ConfigError) -> None:
        super().__init__(f"configuration: {error}")


class ServiceGroup(FlaskGroup):
    """Flask's group, with configuration errors turned into :class:`ConfigProblem` wherever
    the application is built: in a command (``demo`` builds its own), and when ``--help``
    loads it to list commands (Flask would print the traceback there)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise ConfigProblem(exc) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as exc:
            ConfigProblem(exc).show()
            # The commands declared here are still listed; only the application's own (db)
            # need a valid configuration.
            return sorted(self.commands)
        return super().list_commands(ctx)


@click.group(cls=ServiceGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
@click.version_option(package_name="badge-service")
def main() -> None:
    """Open Badges 3.0 issuing and verification for teacher-training organisations."""


main.add_command(credentials_group)


def _register_commands() -> None:
    from badge_service import domains

    for command in domains.commands():
        main.add_command(command)


@main.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database schema (migrate to head), the keys folder, and a signing key for
    every organisation that has none."""
    from pathlib import Path

    from flask_migrate import upgrade
    from sqlalchemy import select

    from badge_service.adapters.keyring import current_keyring
    from badge_service.clock import utcnow
    from badge_service.db import db
    from badge_service.organisations.models import Organisation

    upgrade()
    keys = Path(current_app.config["KEYS_DIR"])
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    click.echo(f"database ready: {current_app.config['DATABASE_URL'].split('@')[-1]}")
    click.echo(f"keys folder: {keys}")
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.slug)).all()
    if organisations and not current_app.config["KEY_PASSPHRASE"]:
        raise click.ClickException("set BADGE_KEY_PASSPHRASE to create the signing keys")
    for organisation in organisations:
        key_id = current_keyring().ensure_key(organisation, now=utcnow())
        click.echo(f"  {organisation.slug}: active key {key_id}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Worker processes; each serves one request at a time.")
@click.option("--timeout", type=click.IntRange(min=1), default=None,
              help="Seconds a request may take before its worker is killed and restarted "
                   "[default: the REQUEST_TIMEOUT setting, 30]. Award batches are sized to "
                   "finish within half of it.")
def serve_command(host: str, port: int, workers: int, timeout: int | None) -> None:
    """Serve the application with gunicorn (production-grade, multi-process)."""
    from gunicorn.app.wsgiapp import run

    if timeout is not None:
        # Through the environment, so that the workers gunicorn forks read the same value
        # as gunicorn itself: the award batch limit is derived from it.
        os.environ["BADGE_REQUEST_TIMEOUT"] = str(timeout)
    # Build it once here first: a configuration error then stops the command with its one
    # paragraph, instead of a traceback from every gunicorn worker that fails to boot.
    from badge_service import create_app

    seconds = int(create_app().config["REQUEST_TIMEOUT"])

    sys.argv = ["gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
                "--timeout", str(seconds), "--access-logfile", "-", "badge_service.wsgi:app"]
    run()


_register_commands()
