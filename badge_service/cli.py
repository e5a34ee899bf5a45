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

from credentials.cli import credentials_group

from .config import ConfigError
from .errors import ServiceError


def _create_app(*_args: object) -> object:
    from . import create_app

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
    from .commands_awards import awards_group
    from .commands_cohorts import cohorts_group
    from .commands_demo import demo_command
    from .commands_frameworks import frameworks_group
    from .commands_keys import keys_group
    from .commands_programmes import programmes_group

    main.add_command(keys_group)
    main.add_command(cohorts_group)
    main.add_command(programmes_group)
    main.add_command(frameworks_group)
    main.add_command(demo_command)
    main.add_command(awards_group)


def _fail(exc: ServiceError) -> None:
    click.echo(f"Error: {exc.detail}", err=True)
    for error in exc.errors:
        where = " ".join(p for p in (f"row {error.row}" if error.row else "",
                                     error.field or "") if p)
        click.echo(f"  {where + ': ' if where else ''}{error.message}", err=True)
    sys.exit(1)


def run_service(action):  # type: ignore[no-untyped-def]
    """Run ``action(session)`` in one transaction: commit on success, roll back on error."""
    from .db import db

    try:
        result = action(db.session)
        db.session.commit()
        return result
    except ServiceError as exc:
        db.session.rollback()
        _fail(exc)
    except BaseException:
        db.session.rollback()
        raise


@main.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database schema (migrate to head), the keys folder, and a signing key for
    every organisation that has none."""
    from pathlib import Path

    from flask_migrate import upgrade
    from sqlalchemy import select

    from .clock import utcnow
    from .db import db
    from .keyring import current_keyring
    from .models import Organisation

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


@main.group("users")
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", default=None)
@click.option("--admin", "is_administrator", is_flag=True, help="Make an administrator.")
@click.option("--language", "preferred_language", type=click.Choice(["fr", "en"]),
              default="fr", show_default=True)
@click.option("--password-env", default=None, metavar="VAR",
              help="Read the password from this environment variable (else: prompt on a "
                   "terminal, or no password — email-link login only).")
@with_appcontext
def users_create(email: str, display_name: str | None, is_administrator: bool,
                 preferred_language: str, password_env: str | None) -> None:
    """Create a user account."""
    import os

    from .clock import utcnow
    from .services import accounts

    password = None
    if password_env:
        password = os.environ.get(password_env) or None
        if password is None:
            raise click.UsageError(f"environment variable {password_env} is empty or unset")
    elif sys.stdin.isatty():
        password = click.prompt("Password (empty: email-link login only)", hide_input=True,
                                confirmation_prompt=True, default="", show_default=False) or None
    user = run_service(lambda s: accounts.create_user(
        s, email=email, display_name=display_name, password=password, now=utcnow(),
        is_administrator=is_administrator, preferred_language=preferred_language))
    click.echo(f"created {user.email} ({user.id})")


@main.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.option("--user", "email", required=True, help="Email of the token's owner.")
@click.option("--name", default="command line", show_default=True)
@with_appcontext
def tokens_create(email: str, name: str) -> None:
    """Create an API token and print it (it is shown only once)."""
    from .clock import utcnow
    from .errors import NotFound
    from .services import accounts

    def create(session):  # type: ignore[no-untyped-def]
        user = accounts.find_user_by_email(session, email)
        if user is None:
            raise NotFound(f"no user with email {email}")
        return accounts.create_api_token(session, user, name, now=utcnow()).secret

    click.echo(run_service(create))


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
    from . import create_app

    seconds = int(create_app().config["REQUEST_TIMEOUT"])

    sys.argv = ["gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
                "--timeout", str(seconds), "--access-logfile", "-", "badge_service.wsgi:app"]
    run()


_register_commands()
