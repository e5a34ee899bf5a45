"""What the ``badge-service credentials …`` commands share: the passphrase, reading keys and
JSON files, writing output, checking the method a command signs as, and the plain-text report.

Nothing here reads the clock: the commands in :mod:`credentials.cli` do, on the user's behalf.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .did import Resolver
from .errors import CredentialsError, FetchError
from .keys import KeyPair, read_key_file
from .verify import VerificationResult, parse_json

__all__ = [
    "PASSPHRASE_ENV",
    "check_signing_method",
    "dump",
    "load_key",
    "passphrase",
    "read_json",
    "render_report",
    "signing_method_options",
    "status_fetcher",
    "write",
]

PASSPHRASE_ENV = "BADGE_KEY_PASSPHRASE"  # noqa: S105 - the variable name, not a secret


def passphrase(*, confirm: bool = False) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise click.UsageError(
            f"set {PASSPHRASE_ENV}: no passphrase was given and stdin is not a terminal"
        )
    entered: str = click.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm)
    return entered


def load_key(path: Path) -> KeyPair:
    try:
        return read_key_file(path, passphrase())
    except CredentialsError as exc:
        raise click.ClickException(exc.detail) from None


def read_json(path: Path) -> dict[str, Any]:
    try:
        return parse_json(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    except CredentialsError as exc:
        raise click.ClickException(f"{path}: {exc.detail}") from None


def write(path: Path | None, data: bytes | str) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path is None:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
    else:
        path.write_bytes(raw)


def dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def signing_method_options(issuer: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--verification-method`` and ``--did-doc``, for commands that may sign as a key of an
    issuer other than the key's own did:key (``issuer`` names it in the help)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--did-doc",
            "did_docs",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help=f"DID document proving {issuer} lists this key (with --verification-method).",
        )(command)
        return click.option(
            "--verification-method",
            default=None,
            help="Sign as this verification method (e.g. did:web:…#key-1) instead of the "
            f"key's did:key; its controller must be {issuer}.",
        )(command)

    return decorate


def check_signing_method(
    key: KeyPair,
    vm: str,
    verification_method: str | None,
    did_docs: tuple[Path, ...],
    issuer_id: Any,
    what: str,
) -> None:
    """Refuse to sign as ``vm`` unless its controller is the issuer and the key is ``vm``'s.

    A verifier rejects a proof by a key the issuer does not control, so signing one would only
    produce a document that no longer verifies (or, re-signed under another issuer, one that
    verifiers no longer trust for the original issuer's credentials).
    """
    controller = vm.split("#", 1)[0]
    if issuer_id != controller:
        raise click.ClickException(
            f"the {what} names issuer {issuer_id}, but the key signs as {vm} "
            f"(controlled by {controller}); pass --verification-method with a method of "
            "the issuer and --did-doc with its DID document"
        )
    if verification_method and verification_method != key.signer().verification_method:
        _check_listed(verification_method, key, did_docs)


def _check_listed(vm: str, key: KeyPair, did_docs: tuple[Path, ...]) -> None:
    resolver = Resolver(documents={d["id"]: d for d in map(read_json, did_docs)})
    try:
        method = resolver.resolve_verification_method(vm)
    except CredentialsError as exc:
        raise click.ClickException(f"{vm}: {exc.detail}") from None
    if method.key.public_multibase != key.public_multibase:
        raise click.ClickException(f"{vm} lists another public key than this key file's")
    if "assertionMethod" not in method.relationships:
        raise click.ClickException(f"{vm} is not an assertionMethod of {method.controller}")


def status_fetcher(pairs: tuple[str, ...]) -> Callable[[str], dict[str, Any]] | None:
    lists: dict[str, Path] = {}
    for pair in pairs:
        url, sep, file = pair.partition("=")
        if not sep or not url or not file:
            raise click.BadParameter(f"{pair!r} is not URL=FILE", param_hint="--status-list")
        lists[url] = Path(file)

    def fetch(url: str) -> dict[str, Any]:
        if url not in lists:
            raise FetchError(f"no --status-list file given for {url}")
        return read_json(lists[url])

    return fetch if lists else None


def render_report(result: VerificationResult, indent: str = "") -> str:
    """A readable, plain-text report of a verification result."""
    marks = {True: "PASS", False: "FAIL", None: "----"}
    head = "VERIFIED" if result.verified else "NOT VERIFIED"
    lines = [f"{indent}{head} — {result.verdict} ({result.format})"]
    for check in result.checks:
        lines.append(f"{indent}  [{marks[check.passed]}] {check.name}: {check.detail}")
    for warning in result.warnings:
        lines.append(f"{indent}  warning ({warning.type}): {warning.detail}")
    for i, nested in enumerate(result.credentials):
        lines.append(f"{indent}  credential {i}:")
        lines.append(render_report(nested, indent + "    "))
    return "\n".join(lines)
