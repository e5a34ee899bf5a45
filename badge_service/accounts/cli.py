"""``badge-service users …`` and ``badge-service tokens …``: accounts and API tokens."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from badge_service.edge.commands import run_service


@click.group("users")
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

    from badge_service.accounts.service import users as accounts
    from badge_service.clock import utcnow

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


@click.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.option("--user", "email", required=True, help="Email of the token's owner.")
@click.option("--name", default="command line", show_default=True)
@with_appcontext
def tokens_create(email: str, name: str) -> None:
    """Create an API token and print it (it is shown only once)."""
    from badge_service.accounts.service import users as accounts
    from badge_service.clock import utcnow
    from badge_service.errors import NotFound

    def create(session):  # type: ignore[no-untyped-def]
        user = accounts.find_user_by_email(session, email)
        if user is None:
            raise NotFound(f"no user with email {email}")
        return accounts.create_api_token(session, user, name, now=utcnow()).secret

    click.echo(run_service(create))


#: The domain's own group, named like its package: ``badge-service accounts users …`` and
#: ``badge-service accounts tokens …``. The short top-level ``users`` and ``tokens`` stay, as
#: deployment scripts call them.
accounts_group = click.Group("accounts", commands=[users_group, tokens_group],
                             help="Accounts: users and their API tokens.")
