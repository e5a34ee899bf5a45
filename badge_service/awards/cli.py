"""``badge-service awards …``: award achievements and change the status of credentials.

Run as the instance's operator: no user account is needed, and every award or status change is
recorded without an acting user. (Trainers use the pages or the API, with their own rights.)
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import awarding, issuing
from badge_service.clock import utcnow
from badge_service.errors import FieldError, ValidationFailed


@click.group("awards")
def awards_group() -> None:
    """Award achievements; revoke, suspend or reinstate credentials."""


@awards_group.command("create")
@click.option("--achievement", "reference", required=True, metavar="ID|ORG/PROG/CODE",
              help="The achievement: its id, or organisation slug / programme slug / code.")
@click.option("--email", "emails", multiple=True, metavar="EMAIL",
              help="A participant to award (repeat for several).")
@click.option("--csv", "csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A CSV with columns email, narrative, evidence_url, level.")
@click.option("--no-notify", is_flag=True, help="Do not email the participants.")
@click.option("--request-key", default=None, metavar="KEY",
              help="Idempotency key: running the same command again with the same key does "
                   "not issue twice.")
@with_appcontext
def awards_create(reference: str, emails: tuple[str, ...], csv_file: Path | None,
                  no_notify: bool, request_key: str | None) -> None:
    """Award an achievement to participants of its programme — all of them or none."""
    if not emails and csv_file is None:
        raise click.UsageError("give at least one --email or a --csv file")
    limit = int(current_app.config["MAX_IMPORT_BYTES"])

    def run(session):  # type: ignore[no-untyped-def]
        achievement = awarding.find_achievement(session, reference)
        rows: list[issuing.AwardRow] = []
        errors: list[FieldError] = []
        if csv_file is not None:
            with csv_file.open("rb") as handle:
                data = handle.read(limit + 1)
            parsed = awarding.read_csv(data, max_bytes=limit)
            rows.extend(parsed.rows)
            errors.extend(parsed.errors)
        last = max((r.row or 0 for r in rows), default=0)
        for offset, email in enumerate(emails, start=1):
            row, problems = awarding.clean_row({"email": email}, last + offset)
            rows.append(row)
            errors.extend(problems)
        context = issuing.Issuing(current_keyring(), current_app.config["PUBLIC_BASE_URL"],
                                  utcnow(), notify=not no_notify)
        result = awarding.award(session, None, achievement, rows, issuing_context=context,
                                idempotency_key=request_key, extra_errors=errors,
                                key_field="--request-key")
        return achievement, result

    from badge_service.edge.commands import run_service

    achievement, result = run_service(run)
    base = current_app.config["PUBLIC_BASE_URL"]
    for outcome in result.outcomes:
        click.echo(f"{outcome.outcome}\t{outcome.email}\t"
                   f"{issuing.credential_url(base, outcome.credential.id)}")
    for credential in result.composites:
        click.echo(f"composite\t{credential.recipient.email}\t"
                   f"{issuing.credential_url(base, credential.id)}\t{credential.achievement.name}")
    click.echo(f"{achievement.name}: {len(result.issued)} issued", err=True)


def _status_command(action: str, help_text: str):  # type: ignore[no-untyped-def]
    @click.argument("ids", nargs=-1, required=True, metavar="CREDENTIAL_ID...")
    # No default=None here: with Click 8.3+ an explicit default satisfies "required".
    @click.option("--reason", required=action in ("revoke", "suspend"),
                  help="Why (shown on the public page; required to revoke or suspend).")
    @with_appcontext
    def command(ids: tuple[str, ...], reason: str | None) -> None:
        def run(session):  # type: ignore[no-untyped-def]
            if not ids:
                raise ValidationFailed("give a credential id")
            return awarding.change_status_by_ids(session, None, list(ids), action,
                                                 reason=reason, now=utcnow())

        from badge_service.edge.commands import run_service

        changed = run_service(run)
        for credential in changed:
            click.echo(f"{credential.state}\t{credential.id}\t{credential.recipient.email}")

    command.__doc__ = help_text
    return awards_group.command(action)(command)


_status_command("revoke", "Revoke credentials for good (all of them or none).")
_status_command("suspend", "Suspend credentials; they can be reinstated (all or none).")
_status_command("reinstate", "Reinstate suspended credentials (all of them or none).")
