"""Conformance before issue: every credential we sign is checked before it is stored or sent.

:func:`check` takes a freshly signed credential and refuses it (:class:`NotConformant`, a 422
``issue-conformance`` problem) unless it

- is valid against the bundled official OB 3.0 JSON Schema (``credentials.schema``) when an
  Open Badges kind applies (awards, composites, VC-API OB credentials; a Bitstring Status List
  credential has no OB schema, so it gets the round trip only), and
- verifies round trip with ``credentials.verify.verify``: known contexts in their bound form,
  types, issuer, every proof (signature, purpose, the key controlled by the issuer), validity
  dates against ``now``, and the VC-JWT form when there is one.

The round trip resolves the issuer from the identity that has just signed, never over the
network and without reading the keyring again: a did:key resolves by itself, a did:web gets a
DID document of that one key (what :meth:`Keyring.did_document` would list for it). So this
checks that *we* produced a verifiable credential with the key we meant, at the cost of one
more canonicalization per credential (measured in ``benchmarks/run.py --conformance``); it
does not re-check that the published DID document lists the key, which the keyring writes
and ``tests/organisations/test_issuers.py`` covers.

Status is not checked: the status list credential is signed on demand from the bits of this
same transaction (checking it here would sign and store a list per award), and an index just
allocated is 0 by construction (``status_lists.allocate``). The entry's shape is still checked
by the schema.

Callers invoke it after signing and before ``session.add``/``flush`` of the credential and
before any mail is queued; the request's transaction then rolls back whatever else the award
wrote (status entries), so a refused credential leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NoReturn

from badge_service.errors import FieldError, ServiceError
from credentials import schema
from credentials.did import Resolver, did_document
from credentials.verify import VerificationResult, verify

log = logging.getLogger(__name__)

ACHIEVEMENT = "AchievementCredential"
#: Problems a caller-built VC-API credential may legitimately have at issue time: a
#: credential valid from tomorrow or already expired can be issued (and the VC 2.0 test
#: suites ask issuers to); our own awards are dated ``now`` and must be valid now.
_DATE_PROBLEMS = frozenset({"expired", "not-yet-valid"})


class NotConformant(ServiceError):
    """A credential we signed does not pass the official schema or its own verification."""

    status = 422
    problem = "issue-conformance"
    title = "The credential did not pass the conformance check; nothing was issued"


def check(signed: Mapping[str, Any], *, identity: Any, now: datetime, kind: str | None,
          jwt: str | None = None, what: str = "the credential",
          check_dates: bool = True) -> None:
    """Raise :class:`NotConformant` unless ``signed`` (and ``jwt``, its VC-JWT form) conform.

    ``identity`` is the :class:`~badge_service.adapters.keyring.IssuerIdentity` that signed;
    ``kind``
    the OB schema kind (None: no OB schema applies); ``what`` names the credential in the
    message (e.g. "the credential for ada@example.org").
    """
    if kind is not None:
        violations = schema.validate(signed, kind)
        if violations:
            first = violations[0]
            _refuse(what, f"{kind} schema", f"{first.path or '/'}: {first.message}",
                    field=f"credential{first.path.replace('/', '.')}" if first.path
                    else "credential")
    resolver = _resolver(identity)
    _round_trip("Data Integrity", signed, resolver, now, what, check_dates)
    if jwt is not None:
        _round_trip("VC-JWT", jwt, resolver, now, what, check_dates)


def check_jwt(token: str, *, identity: Any, now: datetime | None, what: str) -> None:
    """Raise :class:`NotConformant` unless the VC-JWT ``token`` verifies round trip at ``now``
    (no schema: for the status lists, whose JSON form was checked when it was signed). ``now``
    None (the caller could not tell the signing time) is itself a refusal."""
    if now is None:
        _refuse(what, "VC-JWT verification, validity check", "no signing time to check at",
                field="credential")
    _round_trip("VC-JWT", token, _resolver(identity), now, what, check_dates=True)


def _round_trip(form: str, data: Any, resolver: Resolver, now: datetime, what: str,
                check_dates: bool) -> None:
    # check_schema False: the schema ran first (with a better report), once per document.
    result = verify(data, now=now, resolver=resolver, check_schema=False)
    failed = _first_failure(result, check_dates)
    if failed is not None:
        check_name, detail = failed
        _refuse(what, f"{form} verification, {check_name} check", detail, field="credential")


def as_proof_set(signed: Mapping[str, Any]) -> dict[str, Any]:
    """``signed`` with its ``proof`` as an array (of the one proof ``add_proof`` wrote).

    The same graph and signature (``proof`` is a graph container in the VC 2.0 context), and
    what the strict 1EdTech OB 3.0 schema (the "formal" variant) requires; the JSON-LD
    variant accepts both.
    """
    proof = signed.get("proof")
    return {**signed, "proof": proof if isinstance(proof, list) else [proof]}


def _resolver(identity: Any) -> Resolver:
    issuer = identity.issuer_id
    if issuer.startswith("did:key:"):
        return Resolver()  # did:key resolves from the identifier alone; no fetcher: no network
    return Resolver(documents={issuer: did_document(issuer, [(identity.key_id, identity.key,
                                                              True)])})


def _first_failure(result: VerificationResult, check_dates: bool) -> tuple[str, str] | None:
    for problem in result.errors:
        if not check_dates and problem.type in _DATE_PROBLEMS:
            continue
        return problem.check, problem.detail
    for nested in result.credentials:
        found = _first_failure(nested, check_dates)
        if found is not None:
            return found
    return None


def _refuse(what: str, where: str, detail: str, *, field: str) -> NoReturn:
    # A credential we built that fails is our bug, never the trainer's input: logged in full
    # for us; the person gets which check failed, in both languages (pages show the detail).
    log.error("conformance check refused %s: %s: %s", what, where, detail)
    raise NotConformant(
        f"{what} failed the conformance check before issue ({where}); nothing was issued. "
        f"— Le badge n'a pas passé le contrôle de conformité avant émission ({where}) ; "
        "rien n'a été émis.",
        [FieldError(f"{where}: {detail}", field=field)])
