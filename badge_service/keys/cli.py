"""``badge-service keys …``: organisations' signing keys."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from badge_service.adapters.keyring import current_keyring
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.errors import ServiceError
from badge_service.keys import service as key_compromise
from badge_service.organisations import service as organisations


@click.group("keys")
def keys_group() -> None:
    """Signing keys of the organisations (encrypted, in KEYS_DIR)."""


def _organisation(slug: str):  # type: ignore[no-untyped-def]
    try:
        return organisations.by_slug(db.session, slug)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None


@keys_group.command("list")
@click.option("--organisation", "slug", required=True, help="Organisation slug.")
@with_appcontext
def keys_list(slug: str) -> None:
    """List an organisation's keys (active first)."""
    keyring = current_keyring()
    organisation = _organisation(slug)
    for info in sorted(keyring.key_infos(organisation), key=lambda i: i.status != "active"):
        line = f"{info.key_id}\t{info.status}\t{info.algorithm}\t{info.public_multibase}"
        if info.compromised_since:
            line += f"\tCOMPROMISED since {info.compromised_since} (marked {info.compromised}"
            line += f": {info.compromise_reason})" if info.compromise_reason else ")"
        click.echo(line)


@keys_group.command("rotate")
@click.option("--organisation", "slug", required=True, help="Organisation slug.")
@with_appcontext
def keys_rotate(slug: str) -> None:
    """Make a new active key. Credentials signed before keep verifying: the old key stays in
    the DID document as a retired key."""
    keyring = current_keyring()
    organisation = _organisation(slug)
    try:
        if not keyring.key_infos(organisation):
            key_id = keyring.ensure_key(organisation, now=utcnow())
        else:
            key_id = keyring.rotate(organisation, now=utcnow())
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    identity = keyring.identity(organisation)
    click.echo(f"{slug}: new active key {key_id}; issuer {identity.issuer_id}")


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date-time like 2026-01-31T09:00:00Z",
                                 param_hint="--since") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give the time zone, e.g. 2026-01-31T09:00:00Z or "
                                 "2026-01-31T10:00:00+01:00", param_hint="--since")
    return moment


@keys_group.command("compromise")
@click.option("--organisation", "slug", required=True, help="Organisation slug.")
@click.option("--key", "key_id", required=True, help="Id of the retired key (see keys list).")
@click.option("--since", "since_text", required=True,
              help="From when the key may have been in other hands (ISO date-time with zone).")
@click.option("--reason", default=None, help="A line for the record (shown by keys list).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def keys_compromise(slug: str, key_id: str, since_text: str, reason: str | None,
                    yes: bool) -> None:
    """Mark a retired key compromised. Credentials it signed stay valid here only if this
    service recorded issuing them before --since; any other (a thief can backdate a proof)
    fails verification. The key stays in the DID document so older credentials keep
    verifying elsewhere."""
    since = _moment(since_text)
    keyring = current_keyring()
    organisation = _organisation(slug)
    infos = {info.key_id: info for info in keyring.key_infos(organisation)}
    info = infos.get(key_id)
    if info is not None and info.active:
        raise click.ClickException(
            f"{key_id} is the active key of {slug}: rotate first ('badge-service keys rotate "
            f"--organisation {slug}'), then mark the old key compromised")
    if info is not None:
        method = _verification_method(keyring, organisation, info)
        before, after = key_compromise.recorded_counts(db.session, organisation, method, since)
        click.echo(f"{slug}: key {key_id} signed {before} recorded credential(s) before "
                   f"{since.isoformat()} (they stay valid) and {after} from then on (they will "
                   "fail verification, as will anything else signed with it)")
    if not yes:
        click.confirm(f"Mark key {key_id} of {slug} compromised since {since.isoformat()}?",
                      abort=True)
    try:
        marked = keyring.mark_compromised(organisation, key_id, since=since, now=utcnow(),
                                          reason=reason)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{slug}: key {key_id} marked compromised since {marked.compromised_since}")


def _verification_method(keyring, organisation, info) -> str:  # type: ignore[no-untyped-def]
    """The verification method the organisation's credentials name for this key."""
    if organisation.did_method == "key":
        return f"did:key:{info.public_multibase}#{info.public_multibase}"
    return f"{keyring.did_web(organisation)}#{info.key_id}"
