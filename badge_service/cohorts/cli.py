"""``badge-service cohorts …``: list cohorts, import participants from CSV.

The command line acts as the operator (who has the database anyway): no account is needed.
"""

from __future__ import annotations

import sys
from typing import IO

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from badge_service.clock import utcnow
from badge_service.cohorts.models import Cohort
from badge_service.db import db
from badge_service.errors import ServiceError
from badge_service.formats.csv_table import printable
from badge_service.programmes.models import Programme


@click.group("cohorts")
def cohorts_group() -> None:
    """Cohorts and their participants."""


def _fail(exc: ServiceError) -> None:
    click.echo(f"Error: {printable(exc.detail, 2000)}", err=True)
    for error in exc.errors:
        click.echo(f"  {_where(error.row, error.field)}{printable(error.message, 2000)}",
                   err=True)


def _where(row: int | None, field: str | None) -> str:
    parts = [f"line {row}" if row else "", field or ""]
    text = " ".join(p for p in parts if p)
    return f"{text}: " if text else ""


LABELS = {"create": "new", "add": "enrol", "update": "update", "unchanged": "unchanged",
          "error": "ERROR"}


def print_plan(plan) -> None:  # type: ignore[no-untyped-def]
    """The preview (or result) as text; every value passes through printable(), so control
    characters and direction overrides from the file cannot act on the terminal."""
    for row in plan.rows:
        name = f"{row.values.get('given_name') or ''} {row.values.get('family_name') or ''}"
        click.echo(f"line {row.line:>5}  {LABELS[row.action]:<9}  "
                   f"{printable(row.email, 60):<40}  {printable(name.strip(), 60)}"
                   f"  [{printable(row.cohort, 60)}]")
        for name_, (old, new) in row.changes.items():
            click.echo(f"              {name_}: {printable(str(old), 80)} → "
                       f"{printable(str(new), 80)}")
    for cohort in plan.cohorts:
        if cohort.new:
            verb = "created" if plan.applied else "to create"
            click.echo(f"cohort {verb}: {printable(cohort.name)}")
    for warning in plan.warnings:
        click.echo(f"warning: {_where(warning.row, warning.field)}{printable(warning.message)}")
    for error in plan.errors:
        click.echo(f"error: {_where(error.row, error.field)}{printable(error.message)}",
                   err=True)
    counts = plan.counts()
    state = ("imported" if plan.applied
             else "dry run, nothing written" if plan.dry_run else "nothing written")
    click.echo(f"{counts['rows']} rows: {counts['create']} new, {counts['add']} enrolled "
               f"(existing accounts), {counts['update']} updated, {counts['unchanged']} "
               f"unchanged, {counts['errors']} errors, {counts['warnings']} warnings"
               + (f", {counts['invited']} invited" if counts["invited"] else "")
               + f" — {state}")


@cohorts_group.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--programme", "programme_ref", required=True,
              help="Programme id, or ORGANISATION-SLUG/PROGRAMME-SLUG.")
@click.option("--cohort", "cohort_name", default=None,
              help="Import every row into this cohort (created if new); without it, each "
                   "row's 'cohort' column names the cohort.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--invite", is_flag=True,
              help="Email an invitation to every participant the import adds.")
@with_appcontext
def import_command(file: IO[bytes], programme_ref: str, cohort_name: str | None,
                   dry_run: bool, invite: bool) -> None:
    """Import participants from a CSV FILE ('-' for standard input).

    Prints the preview with every error by line; exits 1 when there is any error, and then
    writes nothing.
    """
    from badge_service.cohorts import service as cohorts

    limit = int(current_app.config["MAX_IMPORT_BYTES"])
    data = file.read(limit + 1)
    session = db.session
    try:
        programme = cohorts.find_programme(session, programme_ref)
        plan = cohorts.import_members(
            session, None, programme, data, now=utcnow(),
            default_language=current_app.config["DEFAULT_LANGUAGE"], dry_run=dry_run,
            cohort_name=cohort_name, max_bytes=limit, invite_new=invite,
            base_url=current_app.config["PUBLIC_BASE_URL"])
    except cohorts.ImportFailed as exc:
        session.rollback()
        print_plan(exc.plan)
        sys.exit(1)
    except ServiceError as exc:
        session.rollback()
        _fail(exc)
        sys.exit(1)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    print_plan(plan)
    if not plan.ok:
        sys.exit(1)


@cohorts_group.command("list")
@click.option("--programme", "programme_ref", default=None,
              help="Only this programme (id or ORGANISATION-SLUG/PROGRAMME-SLUG).")
@with_appcontext
def list_command(programme_ref: str | None) -> None:
    """List cohorts: id, programme, name, dates, members by status."""
    from badge_service.cohorts import service as cohorts

    session = db.session
    query = select(Cohort).join(Programme).order_by(Programme.title, Cohort.name)
    if programme_ref:
        try:
            programme = cohorts.find_programme(session, programme_ref)
        except ServiceError as exc:
            _fail(exc)
            sys.exit(1)
        query = query.where(Cohort.programme_id == programme.id)
    rows = list(session.scalars(query))
    counts = cohorts.member_counts(session, rows)
    for cohort in rows:
        programme = cohort.programme
        c = counts[cohort.id]
        dates = f"{cohort.start_date or ''}..{cohort.end_date or ''}"
        click.echo(f"{cohort.id}\t{programme.organisation.slug}/{programme.slug}\t"
                   f"{printable(cohort.name)}\t{dates}\t"
                   f"invited={c['invited']} active={c['active']} withdrawn={c['withdrawn']}")
    if not rows:
        click.echo("no cohorts", err=True)
