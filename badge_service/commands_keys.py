"""``badge-service keys …``: organisations' signing keys."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .clock import utcnow
from .db import db
from .errors import ServiceError
from .keyring import current_keyring
from .services import organisations


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
        click.echo(f"{info.key_id}\t{info.status}\t{info.algorithm}\t{info.public_multibase}")


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
