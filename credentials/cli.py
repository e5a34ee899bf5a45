"""``badge-service credentials …``: offline commands over the library (no database, no network).

The key passphrase comes from ``BADGE_KEY_PASSPHRASE``, or a prompt when stdin is a terminal; no
command ever waits for input otherwise. Exit status: 0 success/verified, 1 not verified,
2 usage or input error (click's convention).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from . import baking, data_integrity, status_list
from .cli_support import (
    PASSPHRASE_ENV,
    check_signing_method,
    dump,
    load_key,
    passphrase,
    read_json,
    render_report,
    signing_method_options,
    status_fetcher,
    write,
)
from .did import Resolver
from .errors import CredentialsError
from .jwt import sign_jwt
from .keys import KeyPair, write_key_file
from .verify import verify

__all__ = ["PASSPHRASE_ENV", "credentials_group", "render_report"]


def _now() -> datetime:
    # The command line is the edge where the clock is read; the library only takes `now`.
    return datetime.now(UTC)


@click.group("credentials")
def credentials_group() -> None:
    """Build, sign, verify, bake and revoke Open Badges 3.0 credentials offline."""


@credentials_group.command()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the encrypted private key (PKCS#8 PEM, mode 0600).",
)
@click.option(
    "--algorithm", type=click.Choice(["Ed25519", "P-256"]), default="Ed25519", show_default=True
)
def keygen(out: Path, algorithm: str) -> None:
    """Create a key pair; print its did:key."""
    key = KeyPair.generate(algorithm)
    try:
        write_key_file(out, key, passphrase(confirm=True))
    except (CredentialsError, OSError) as exc:
        raise click.ClickException(getattr(exc, "detail", str(exc))) from None
    click.echo(key.did_key)


@credentials_group.command()
@click.argument("credential_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file (default: stdout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["di", "jwt"]),
    default="di",
    show_default=True,
    help="Data Integrity eddsa-rdfc-2022 proof, or VC-JWT.",
)
@signing_method_options("the credential's issuer")
def sign(
    credential_file: Path,
    key_file: Path,
    out: Path | None,
    fmt: str,
    verification_method: str | None,
    did_docs: tuple[Path, ...],
) -> None:
    """Sign an unsigned credential. The issuer is the key's DID unless the credential names one
    that controls the key."""
    credential = read_json(credential_file)
    key = load_key(key_file)
    vm = verification_method or key.signer().verification_method
    controller = vm.split("#", 1)[0]
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not issuer_id:
        issuer_id = controller
        credential = {
            **credential,
            "issuer": {**issuer, "id": controller} if isinstance(issuer, dict) else controller,
        }
    check_signing_method(key, vm, verification_method, did_docs, issuer_id, "credential")
    try:
        if fmt == "jwt":
            output = sign_jwt(credential, key.signer(vm)) + "\n"
        else:
            output = dump(data_integrity.add_proof(credential, key.signer(vm), created=_now()))
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None
    write(out, output)


@credentials_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--did-doc",
    "did_docs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A DID document to resolve did:web issuers offline (repeatable).",
)
@click.option(
    "--status-list",
    "status_lists",
    multiple=True,
    metavar="URL=FILE",
    help="A status list credential file to use for URL (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def verify_command(
    file: Path, did_docs: tuple[Path, ...], status_lists: tuple[str, ...], as_json: bool
) -> None:
    """Verify a credential (JSON, JWT, baked PNG/SVG, or a presentation). Exit 0 if verified."""
    documents = {d["id"]: d for d in map(read_json, did_docs) if isinstance(d.get("id"), str)}
    result = verify(
        file.read_bytes(),
        now=_now(),
        resolver=Resolver(documents=documents),
        fetch_status_list=status_fetcher(status_lists),
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_report(result))
    sys.exit(0 if result.verified else 1)


@credentials_group.command()
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("credential_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def bake(image: Path, credential_file: Path, out: Path) -> None:
    """Bake a signed credential (JSON or JWT file) into a PNG or SVG badge image."""
    text = credential_file.read_text(encoding="utf-8-sig").strip()
    credential: dict[str, Any] | str = (
        text if not text.startswith("{") else read_json(credential_file)
    )
    data = image.read_bytes()
    try:
        if data.startswith(b"\x89PNG"):
            baked = baking.bake_png(data, credential)
        else:
            baked = baking.bake_svg(data, credential)
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None
    out.write_bytes(baked)


@credentials_group.command()
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def unbake(image: Path, out: Path | None) -> None:
    """Extract the credential baked into a PNG or SVG image."""
    try:
        content = baking.unbake(image.read_bytes())
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None
    write(out, content + "\n" if isinstance(content, str) else dump(content))


@credentials_group.group("status")
def status_group() -> None:
    """Bitstring Status Lists: create, set or read entries."""


@status_group.command("create")
@click.option("--url", required=True, help="Public URL the status list credential is served at.")
@click.option(
    "--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--purpose",
    type=click.Choice(["revocation", "suspension"]),
    default="revocation",
    show_default=True,
)
@click.option("--size", type=int, default=status_list.MIN_ENTRIES, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def status_create(url: str, key_file: Path, purpose: str, size: int, out: Path) -> None:
    """Create and sign an empty BitstringStatusListCredential."""
    key = load_key(key_file)
    try:
        bits = status_list.StatusList(size)
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None
    _write_list(out, url, key, bits, purpose)


def _write_list(
    out: Path,
    url: str,
    key: KeyPair,
    bits: status_list.StatusList,
    purpose: str,
    *,
    issuer: str | dict[str, Any] | None = None,
    vm: str | None = None,
) -> None:
    """Sign a status list as ``vm`` (default: the key's did:key) for ``issuer`` (default: the
    key's did:key) and write it. Callers have checked that ``vm``'s controller is the issuer."""
    now = _now()
    try:
        unsigned = status_list.status_list_credential(
            url, issuer or key.did_key, bits, purpose, valid_from=now
        )
        signed = data_integrity.add_proof(unsigned, key.signer(vm), created=now)
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None
    out.write_text(dump(signed), encoding="utf-8")


@status_group.command("set")
@click.argument("list_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("index", type=int)
@click.argument("value", type=click.IntRange(0, 1))
@click.option(
    "--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@signing_method_options("the list's issuer")
def status_set(
    list_file: Path,
    index: int,
    value: int,
    key_file: Path,
    verification_method: str | None,
    did_docs: tuple[Path, ...],
) -> None:
    """Set entry INDEX to VALUE (1 = revoked/suspended) and re-sign the list in place.

    The list keeps its issuer: verifiers trust a status list only when its issuer is the
    credential's, so the key must be one the list's issuer controls."""
    document = read_json(list_file)
    key = load_key(key_file)
    subject = document.get("credentialSubject", {})
    if not isinstance(subject, dict):
        raise click.ClickException(f"{list_file}: credentialSubject is not an object")
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise click.ClickException(f"{list_file}: the status list names no issuer")
    vm = verification_method or key.signer().verification_method
    check_signing_method(key, vm, verification_method, did_docs, issuer_id, "status list")
    try:
        bits = status_list.StatusList.decode(subject.get("encodedList", ""))
        bits = bits.set(index, value)
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None
    url = document.get("id") or str(subject.get("id", "")).split("#", 1)[0]
    _write_list(
        list_file,
        url,
        key,
        bits,
        subject.get("statusPurpose", "revocation"),
        issuer=issuer,
        vm=vm,
    )


@status_group.command("get")
@click.argument("list_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("index", type=int)
def status_get(list_file: Path, index: int) -> None:
    """Print the value of entry INDEX."""
    subject = read_json(list_file).get("credentialSubject", {})
    try:
        bits = status_list.StatusList.decode(subject.get("encodedList", ""))
        click.echo(bits.get(index))
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None
