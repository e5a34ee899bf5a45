"""``badge-service frameworks …``: import, export and list competency frameworks.

The operator at the command line already has the whole database, so these commands act with
every right (``actor=None`` in the services).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("frameworks")
def frameworks_group() -> None:
    """Competency frameworks (CASE 1.1 JSON or CSV)."""


@frameworks_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", "slug", default=None, metavar="SLUG",
              help="Owner organisation (default: a framework shared by every organisation).")
@click.option("--draft", is_flag=True, help="Import as a draft instead of publishing it.")
@click.option("--title", default=None,
              help="CSV without a document row: the title (default: the file name).")
@click.option("--language", type=click.Choice(["fr", "en"]), default=None,
              help="CSV without a document row: its language (default: DEFAULT_LANGUAGE).")
@with_appcontext
def import_command(file: Path, slug: str | None, draft: bool, title: str | None,
                   language: str | None) -> None:
    """Import FILE, a CASE 1.1 package or a CSV file (recognised by its content).

    Re-importing a framework already stored adds a version when its content differs."""
    from badge_service.clock import utcnow
    from badge_service.edge.commands import run_service
    from badge_service.frameworks import service as frameworks
    from badge_service.organisations import service as organisations

    limit = current_app.config["MAX_IMPORT_BYTES"]
    with file.open("rb") as handle:
        content = handle.read(limit + 1)

    def action(session):  # type: ignore[no-untyped-def]
        owner = organisations.by_slug(session, slug).id if slug else None
        result = frameworks.import_file(
            session, None, content, max_bytes=limit, now=utcnow(),
            base_url=current_app.config["PUBLIC_BASE_URL"], organisation_id=owner,
            draft=draft, title=title or file.stem,
            language=language or current_app.config["DEFAULT_LANGUAGE"])
        version = result.version
        return (result, version.number, version.status, version.title, len(version.items),
                len(version.associations), result.framework.id)

    result, number, status, title_, items, links, framework_id = run_service(action)
    if not result.created_version:
        click.echo(f"unchanged: {title_} is identical to version {number} ({framework_id})")
    else:
        what = "imported" if result.created_framework else "new version of"
        click.echo(f"{what} {title_}: version {number} ({status}), {items} items, "
                   f"{links} links, {result.format} — framework {framework_id}")


@frameworks_group.command("export")
@click.argument("reference", metavar="ID|IDENTIFIER")
@click.option("--format", "fmt", type=click.Choice(["case", "csv"]), default="case",
              show_default=True)
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the latest published, else the draft).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output).")
@with_appcontext
def export_command(reference: str, fmt: str, number: int | None, out: Path | None) -> None:
    """Export a framework, by database id or CASE identifier, as CASE JSON or CSV."""
    from badge_service.edge.commands import run_service
    from badge_service.errors import NotFound
    from badge_service.formats import case
    from badge_service.frameworks import service as frameworks

    def action(session):  # type: ignore[no-untyped-def]
        framework = frameworks.find(session, reference)
        if number is None:
            version = frameworks.current_version(framework)
        else:
            version = next((v for v in framework.versions if v.number == number), None)
        if version is None:
            raise NotFound(f"{framework.title} has no version {number}")
        if fmt == "csv":
            return frameworks.export_csv(version)
        return case.dumps(frameworks.export_case(version))

    text = run_service(action)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8", newline="")
        click.echo(f"wrote {out}", err=True)


@frameworks_group.command("list")
@with_appcontext
def list_command() -> None:
    """List the stored frameworks: id, CASE identifier, current version, owner, title."""
    from sqlalchemy import select

    from badge_service.db import db
    from badge_service.frameworks import service as frameworks
    from badge_service.organisations.models import Organisation

    owners = {o.id: o.slug for o in db.session.scalars(select(Organisation))}
    rows = db.session.scalars(frameworks.list_query()).all()
    if not rows:
        click.echo("no frameworks")
        return
    for framework in rows:
        current = frameworks.current_version(framework)
        draft = frameworks.draft_of(framework)
        state = f"v{current.number} {current.status}" if current else "-"
        if draft is not None and draft is not current:
            state += f" (+ draft v{draft.number})"
        owner = owners.get(framework.organisation_id, "shared") if framework.organisation_id \
            else "shared"
        click.echo(f"{framework.id}  {framework.identifier}  {state}  [{owner}]  "
                   f"{framework.title}")
