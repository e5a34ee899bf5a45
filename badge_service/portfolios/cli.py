"""``badge-service portfolios …``: a participant's evidence items from the command line (bulk
loading a portfolio, checking what someone holds). The command line acts as the operator, on
behalf of the participant named by ``--user``; each command is one transaction."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow
from badge_service.edge.commands import run_service
from badge_service.errors import NotFound
from badge_service.portfolios import forms
from badge_service.portfolios.service import Upload, items


@click.group("portfolios")
def portfolios_group() -> None:
    """Participants' portfolios: evidence items (files, links, reflections)."""


def _owner(session, email: str):  # type: ignore[no-untyped-def]
    user = accounts.find_user_by_email(session, email)
    if user is None:
        raise NotFound(f"no account with the email {email}")
    return user


@portfolios_group.command("list")
@click.option("--user", "email", required=True, help="the participant's email")
@with_appcontext
def list_command(email: str) -> None:
    """List a participant's evidence items: id, kind, version, title, file digest."""
    def run(session):  # type: ignore[no-untyped-def]
        return session.scalars(items.owned_by(_owner(session, email))).all()

    for item in run_service(run):
        current = item.current
        click.echo(f"{item.id}\t{item.kind}\tv{current.number}\t{current.title}\t"
                   f"{current.file_sha256 or current.url or ''}")


@portfolios_group.command("add")
@click.option("--user", "email", required=True, help="the participant's email")
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a file to upload (its type is read from its content)")
@click.option("--url", default=None, help="a link")
@click.option("--text", default=None, help="a written reflection (paragraphs, plain text)")
@click.option("--competence", "competences", multiple=True,
              help="a framework item id it documents (repeatable)")
@with_appcontext
def add_command(email: str, title: str, description: str, path: Path | None, url: str | None,
                text: str | None, competences: tuple[str, ...]) -> None:
    """Add one evidence item: exactly one of --file, --url or --text."""
    given = [name for name, value in (("--file", path), ("--url", url), ("--text", text))
             if value is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --file, --url or --text")
    kind = {"--file": "file", "--url": "link", "--text": "reflection"}[given[0]]
    data = {"kind": kind, "title": title, "description": description, "url": url,
            "text": text, "text_format": "text", "competences": list(competences)}

    def run(session):  # type: ignore[no-untyped-def]
        owner = _owner(session, email)
        if path is None:
            return items.create(session, owner, data, upload=None, store=forms.store(),
                                rules=forms.rules(), now=utcnow())
        with path.open("rb") as stream:
            return items.create(session, owner, data, upload=Upload(stream, path.name),
                                store=forms.store(), rules=forms.rules(), now=utcnow())

    item = run_service(run)
    click.echo(f"{item.id}\t{item.kind}\tv1\t{title}")
