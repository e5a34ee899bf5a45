"""``badge-service programmes …``: programmes, trainers, and achievements from a badge plan.

The command line acts as the operator (who has the database anyway): no account is needed.
Each command is one transaction: it saves everything or, on any error, nothing.
"""

from __future__ import annotations

import json
from typing import IO

import click
from flask import current_app
from flask.cli import with_appcontext

from badge_service.accounts.service import users as accounts
from badge_service.achievements import service as achievements
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.errors import FieldError, NotFound, ValidationFailed
from badge_service.organisations import service as organisations
from badge_service.programmes import service as programmes


@click.group("programmes")
def programmes_group() -> None:
    """Programmes, their trainers and their achievements."""


@programmes_group.command("list")
@with_appcontext
def list_command() -> None:
    """List programmes: id, organisation/slug, title, number of achievements."""
    from sqlalchemy import select

    from badge_service.programmes.models import Programme

    for programme in db.session.scalars(select(Programme).order_by(Programme.title)):
        count = len(db.session.scalars(achievements.of_programme(programme)).all())
        click.echo(f"{programme.id}\t{programme.organisation.slug}/{programme.slug}\t"
                   f"{programme.title}\t{count} achievement{'s' if count != 1 else ''}")


@programmes_group.command("create")
@click.argument("organisation")
@click.argument("slug")
@click.option("--title-fr", default=None, help="French title")
@click.option("--title-en", default=None, help="English title")
@click.option("--description-fr", default=None)
@click.option("--description-en", default=None)
@with_appcontext
def create_command(organisation: str, slug: str, title_fr: str | None, title_en: str | None,
                   description_fr: str | None, description_en: str | None) -> None:
    """Create a programme in ORGANISATION (its slug) with the given SLUG."""
    from badge_service.edge.commands import run_service

    def create(session):  # type: ignore[no-untyped-def]
        org = organisations.by_slug(session, organisation)
        return programmes.create(session, None, org.id, {
            "slug": slug, "title": {"fr": title_fr, "en": title_en},
            "description": {"fr": description_fr, "en": description_en}}, now=utcnow())

    programme = run_service(create)
    click.echo(f"programme created: {programme.id} ({organisation}/{slug})")


@programmes_group.command("add-trainer")
@click.argument("programme")
@click.argument("email")
@with_appcontext
def add_trainer_command(programme: str, email: str) -> None:
    """Make the user with EMAIL a trainer of PROGRAMME (id or ORGANISATION/SLUG)."""
    from badge_service.edge.commands import run_service

    def add(session):  # type: ignore[no-untyped-def]
        found = programmes.find(session, programme)
        user = accounts.find_user_by_email(session, email)
        if user is None:
            raise NotFound(f"no user with email {email}", [FieldError("no such user",
                                                                     field="email")])
        return programmes.add_trainer(session, None, found, user)

    added = run_service(add)
    click.echo(f"{email} is {'now' if added else 'already'} a trainer of {programme}")


@programmes_group.command("import-plan")
@click.argument("file", type=click.File("rb"))
@click.option("--programme", "programme_ref", required=True,
              help="id or ORGANISATION-SLUG/PROGRAMME-SLUG")
@click.option("--group", "groups", multiple=True,
              help="only these badge groups (moduleBadges, blockBadges, workshopBadges …)")
@click.option("--no-final", is_flag=True, help="do not create the final composite credential")
@with_appcontext
def import_plan_command(file: IO[bytes], programme_ref: str, groups: tuple[str, ...],
                        no_final: bool) -> None:
    """Create a programme's achievements from the badge plan of a CASE framework FILE
    (CFDocument.extensions["ext:badgePlan"]); import and publish the framework first."""
    from badge_service.edge.commands import run_service

    limit = current_app.config["MAX_IMPORT_BYTES"]
    content = file.read(limit + 1)

    def run(session):  # type: ignore[no-untyped-def]
        if len(content) > limit:
            raise ValidationFailed(f"the file is larger than {limit} bytes")
        try:
            package = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationFailed(f"the file is not UTF-8 JSON: {exc}") from None
        found = programmes.find(session, programme_ref)
        return achievements.import_badge_plan(session, None, found, package, now=utcnow(),
                                              groups=list(groups) or None, final=not no_final)

    result = run_service(run)
    for achievement in result.created:
        click.echo(f"created\t{achievement.id}\t{achievement.human_code}\t{achievement.name}")
    for achievement in result.existing:
        click.echo(f"exists\t{achievement.id}\t{achievement.human_code}\t{achievement.name}")
