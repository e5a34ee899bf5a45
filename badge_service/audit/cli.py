"""``badge-service audit …``: exporting a programme's audit trail for an auditor.

The command line acts as the operator (who has the database anyway): no account is needed.
There is deliberately no command that changes or deletes entries.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from badge_service.audit import service as audit
from badge_service.audit.forms import filters_from
from badge_service.programmes import service as programmes


@click.group("audit")
def audit_group() -> None:
    """The audit trail (read-only)."""


@audit_group.command("export")
@click.option("--programme", "programme_ref", required=True,
              help="id or ORGANISATION-SLUG/PROGRAMME-SLUG")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True),
              default=None, help="write the CSV to this file (default: standard output)")
@click.option("--action", default=None, help="one action, or a family (credential)")
@click.option("--since", default=None, help="ISO 8601 date or instant (inclusive)")
@click.option("--until", default=None, help="ISO 8601 date or instant (exclusive)")
@with_appcontext
def export_command(programme_ref: str, output: str | None, action: str | None,
                   since: str | None, until: str | None) -> None:
    """Write PROGRAMME's audit trail as CSV (UTF-8 with a BOM, newest first)."""
    from badge_service.edge.commands import run_service

    def export(session):  # type: ignore[no-untyped-def]
        programme = programmes.find(session, programme_ref)
        filters = filters_from({k: v for k, v in (("action", action), ("since", since),
                                                   ("until", until)) if v})
        return audit.export_csv(session, None, programme, filters)

    data = run_service(export)
    if output is None:
        click.get_binary_stream("stdout").write(data)
        return
    with open(output, "wb") as handle:
        handle.write(data)
    lines = data.count(b"\r\n") - 1
    click.echo(f"{lines} entr{'y' if lines == 1 else 'ies'} written to {output}", err=True)
