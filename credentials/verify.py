"""Verify a credential in any form we accept, reporting every check and every error.

:func:`verify` never raises on bad input: a hostile file gets a result saying what is wrong, not
a stack trace. Inputs: a JSON credential (dict, str or bytes), a compact VC-JWT, a baked PNG or
SVG, a PDF certificate carrying one, or a JSON verifiable presentation. Collaborators are
arguments: the DID ``resolver``, the ``fetch_status_list`` used for Bitstring Status List checks,
the JSON-LD ``loader``, ``now``, and an optional ``key_policy`` (see :data:`KeyPolicy`).

This module runs the verification of each form (and the recursive checks: status lists,
endorsements, presentations, and the contexts' bound form); the result types live in
:mod:`credentials.verify_result`, the reading of input in :mod:`credentials.verify_input`,
the other checks in :mod:`credentials.verify_checks`. Their public names (``VERDICTS``,
``VerificationResult``, ``MAX_INPUT_BYTES``, ``parse_json``, ``parse_datetime``…) are
importable from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import related_resource
from . import verify_checks as _checks
from .bound_form import unbound_reason
from .data_integrity import verify_proofs
from .errors import CredentialsError, EncodingError, InputTooLargeError, MalformedInputError
from .jsonld import DocumentLoader, bundled_loader
from .jwt import is_compact_jws, verify_jwt
from .models import issuer_id
from .status_list import check_status
from .verify_checks import OB_TYPES, KeyPolicy, _Context, parse_datetime
from .verify_input import MAX_INPUT_BYTES, MAX_JSON_DEPTH, _parse, parse_json
from .verify_result import (
    _VERDICT_OF_PROBLEM,
    VERDICTS,
    Check,
    Problem,
    VerificationResult,
    _Report,
)

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "MAX_INPUT_BYTES",
    "MAX_JSON_DEPTH",
    "OB_TYPES",
    "VC_V1",
    "VC_V2",
    "VERDICTS",
    "_VERDICT_OF_PROBLEM",
    "Check",
    "KeyPolicy",
    "Problem",
    "VerificationResult",
    "parse_datetime",
    "parse_json",
    "verify",
]

if TYPE_CHECKING:
    from .did import Resolver


VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"

DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    now: datetime,
    resolver: Resolver,
    loader: DocumentLoader | None = None,
    fetch_status_list: Callable[[str], dict[str, Any]] | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    check_schema: bool = True,
    key_policy: KeyPolicy | None = None,
    challenge: str | None = None,
    domain: str | None = None,
) -> VerificationResult:
    """Verify ``data`` and return what was checked and what failed. Never raises on bad input.

    ``challenge`` and ``domain`` are what the verifier asked a holder to sign: every proof of a
    presentation must carry them (an unsigned presentation then fails). Credentials ignore them.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    context = _Context(now, resolver, loader or bundled_loader(), fetch_status_list, clock_skew)
    context.check_schema = check_schema
    context.key_policy = key_policy
    context.challenge, context.domain = challenge, domain
    try:
        fmt, parsed = _parse(data)
    except CredentialsError as exc:
        report = _Report("unknown")
        report.fail("parse", exc.problem, exc.detail)
        return report.result(None)
    if isinstance(parsed, str):
        return _verify_jwt_form(parsed, fmt, context)
    if _checks._has_type(parsed, "VerifiablePresentation"):
        return _verify_presentation(parsed, context)
    return _verify_data_integrity(parsed, fmt, context)




# ---------------------------------------------------------------------------------------------
# Per-form verification


def _verify_data_integrity(
    credential: dict[str, Any], fmt: str, ctx: _Context
) -> VerificationResult:
    report = _Report(fmt)
    report.ok("parse", f"read a JSON credential ({fmt})")
    _check_shape(credential, report, ctx, bound=True)
    issuer = issuer_id(credential)
    checks = verify_proofs(
        credential, resolver=ctx.resolver, loader=ctx.loader, expected_controller=issuer
    )
    checks = [
        replace(check, verified=False, problem="key-compromised", detail=reason)
        if check.verified
        and (reason := _checks._key_refusal(check.verification_method, credential, None, ctx))
        else check
        for check in checks
    ]
    _checks._report_proofs(checks, report)
    _check_common(credential, report, ctx)
    return report.result(credential)


def _verify_jwt_form(token: str, fmt: str, ctx: _Context) -> VerificationResult:
    report = _Report("jwt" if fmt == "json" else fmt)
    jwt_result = verify_jwt(
        token,
        resolver=ctx.resolver,
        now=ctx.now,
        leeway_seconds=int(ctx.clock_skew.total_seconds()),
    )
    credential = jwt_result.credential
    if credential is None:
        # The token was refused before its credential could be read. Keep verify_jwt's own
        # slugs (input-too-large, malformed-encoding, missing-proof for alg none, …) rather than
        # one generic "malformed": they are what tells a user what is wrong with the token.
        for problem, detail in jwt_result.errors or [("malformed-input", "malformed JWT")]:
            report.fail("parse" if problem in _PARSE_PROBLEMS else "proof", problem, detail)
        return report.result(None)
    report.ok("parse", "read a VC-JWT")
    _check_shape(credential, report, ctx)
    refusal = (
        _checks._key_refusal(jwt_result.verification_method, credential, token, ctx)
        if jwt_result.verified
        else None
    )
    # A token read this far always has its header; its "alg" only goes into the messages.
    alg = jwt_result.header.get("alg") if jwt_result.header is not None else None
    if refusal:
        report.ok("proof", f"JWT signature verified ({alg})")
        report.fail("issuer", "key-compromised", refusal)
    elif jwt_result.verified:
        report.ok("proof", f"JWT signature verified ({alg})")
        report.ok("issuer", "the signing key belongs to the issuer")
    else:
        for problem, detail in jwt_result.errors:
            name = "validity" if problem in ("expired", "not-yet-valid") else "proof"
            report.fail(name, problem, detail)
    _check_common(credential, report, ctx, validity=jwt_result.verified)
    return report.result(credential)


# Problems that mean the input could not be read at all (reported under the "parse" check);
# any other problem a JWT is refused for concerns how it is signed ("proof").
_PARSE_PROBLEMS = frozenset(
    {MalformedInputError.problem, InputTooLargeError.problem, EncodingError.problem}
)


def _verify_presentation(presentation: dict[str, Any], ctx: _Context) -> VerificationResult:
    report = _Report("presentation")
    report.ok("parse", "read a JSON verifiable presentation")
    _check_contexts(presentation, report, ctx, bound=True)
    if "proof" in presentation:
        holder = presentation.get("holder")
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        checks = verify_proofs(
            presentation,
            resolver=ctx.resolver,
            loader=ctx.loader,
            expected_purpose="authentication",
            expected_controller=holder_id if isinstance(holder_id, str) else None,
        )
        _checks._report_proofs(checks, report)
        _checks._check_request_binding(presentation, report, ctx)
    else:
        report.skip("proof", "the presentation itself is not signed: only the credentials it "
                    "carries count", warn="unsigned-presentation")
        for name in ("challenge", "domain"):
            if getattr(ctx, name) is not None:
                report.fail("proof", f"{name}-mismatch", f"the presentation is not signed, so "
                            f"it cannot carry the expected {name} {getattr(ctx, name)!r}")
    carried = presentation.get("verifiableCredential", [])
    if not isinstance(carried, list):
        carried = [carried]
    nested = []
    for item in carried:
        if isinstance(item, dict) and item.get("type") == "EnvelopedVerifiableCredential":
            item = _checks._enveloped(item)
        if isinstance(item, str) and not is_compact_jws(item.strip()):
            # Text in a presentation is a VC-JWT; JSON inside a JSON string is a client's
            # double encoding, and reading it would verify what was not sent as a credential.
            inner = _Report("unknown")
            inner.fail("parse", "malformed-input", "a credential in a presentation is an "
                       "object or a VC-JWT, not other text")
            nested.append(inner.result(None))
            continue
        nested.append(
            verify(
                item,
                now=ctx.now,
                resolver=ctx.resolver,
                loader=ctx.loader,
                fetch_status_list=ctx.fetch_status_list,
                clock_skew=ctx.clock_skew,
                check_schema=ctx.check_schema,
                key_policy=ctx.key_policy,
            )
        )
    if not nested and "proof" in presentation:
        # A holder's signed presentation proves control of the holder's key (authentication).
        report.skip("credentials", "the presentation carries no credential")
    elif not nested:
        report.fail("credentials", "malformed-input",
                    "the presentation is neither signed nor carries a credential: it proves "
                    "nothing")
    else:
        good = sum(r.verified for r in nested)
        detail = f"{good} of {len(nested)} credentials verified"
        if good == len(nested):
            report.ok("credentials", detail)
        else:
            report.checks.append(Check("credentials", False, detail))
    return report.result(presentation, tuple(nested))


# ---------------------------------------------------------------------------------------------
# Checks shared by both forms


def _check_shape(
    credential: dict[str, Any], report: _Report, ctx: _Context, *, bound: bool = False
) -> None:
    _check_contexts(credential, report, ctx, bound=bound)
    listed = credential.get("type")
    listed = listed if isinstance(listed, list) else [listed]
    types = _checks._string_types(credential)
    if len(types) != len(listed):
        # Lists or objects among the types would be unhashable below; a type is a term.
        report.fail("types", "malformed-input", "every member of type must be a string")
    elif "VerifiableCredential" not in types:
        report.fail("types", "malformed-input", "type does not include VerifiableCredential")
    elif not OB_TYPES.intersection(types) and not _checks._is_auxiliary(types):
        report.skip("types", f"a {', '.join(map(str, types))}, not an Open Badge")
    else:
        report.ok("types", "types: " + ", ".join(map(str, types)))
    if issuer_id(credential) is None:
        report.fail("issuer", "malformed-input", "the credential names no issuer id")
    if ctx.check_schema:
        _checks._check_schema(credential, report)


def _check_contexts(
    document: dict[str, Any], report: _Report, ctx: _Context, *, bound: bool = False
) -> None:
    """Known contexts; with ``bound``, also the form rule of :mod:`credentials.bound_form`.

    A Data Integrity proof covers the graph, but every later check (and every page) reads JSON
    keys: they may only do so when the keys are the terms that graph binds. Not for a VC-JWT
    (``bound`` false): its signature covers the JSON itself.
    """
    contexts = document.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or contexts[0] not in (VC_V2, VC_V1):
        report.fail(
            "contexts",
            "malformed-input",
            f"the first @context must be {VC_V2}, found {contexts[0] if contexts else None}",
        )
        return
    unknown = [c for c in contexts if isinstance(c, str) and c not in ctx.loader]
    if unknown:
        report.fail(
            "contexts",
            "unknown-context",
            f"context {unknown[0]} is not one this verifier knows; its meaning cannot be checked",
        )
        return
    reason = unbound_reason(document, ctx.loader) if bound else None
    if reason:
        report.fail(
            "contexts",
            "unbound-form",
            f"{reason}. Only documents written with the terms of their contexts are accepted, "
            "so that every check reads what was signed",
        )
        return
    report.ok("contexts", f"{len(contexts)} known JSON-LD contexts")


def _check_common(
    credential: dict[str, Any], report: _Report, ctx: _Context, *, validity: bool = True
) -> None:
    if validity:
        _checks._check_validity(credential, report, ctx)
    _check_status(credential, report, ctx)
    related_resource.report_on(credential, ctx.loader, report)
    _check_endorsements(credential, report, ctx)


def _check_status(credential: dict[str, Any], report: _Report, ctx: _Context) -> None:
    if "credentialStatus" not in credential:
        report.skip("status", "the credential has no status entry (it cannot be revoked)")
        return
    if ctx.fetch_status_list is None:
        report.skip(
            "status",
            "status was not checked: no status list source was given",
            warn="status-not-checked",
        )
        return
    if ctx.depth >= 2:
        report.skip("status", "status list credentials are not checked recursively")
        return

    def verify_list(list_credential: dict[str, Any]) -> bool:
        # A list signed by anyone but the credential's own issuer could clear a revocation.
        if issuer_id(list_credential) != issuer_id(credential):
            return False
        inner = _Context(
            ctx.now,
            ctx.resolver,
            ctx.loader,
            None,
            ctx.clock_skew,
            check_schema=False,
            depth=ctx.depth + 1,
        )
        return _verify_data_integrity(list_credential, "json", inner).verified

    results = check_status(
        credential, fetch_list=ctx.fetch_status_list, verify_list=verify_list, now=ctx.now,
        clock_skew=ctx.clock_skew,
    )
    for item in results:
        if item.ok:
            report.ok("status", item.detail)
        else:
            report.fail("status", item.problem or "status-list-invalid", item.detail)


def _check_endorsements(credential: dict[str, Any], report: _Report, ctx: _Context) -> None:
    endorsements = list(_checks._find_endorsements(credential))
    if not endorsements:
        return
    if ctx.depth >= 2:
        report.skip("endorsements", "nested endorsements are not checked")
        return
    inner = _Context(
        ctx.now,
        ctx.resolver,
        ctx.loader,
        ctx.fetch_status_list,
        ctx.clock_skew,
        ctx.check_schema,
        ctx.depth + 1,
        key_policy=ctx.key_policy,
    )
    for where, endorsement in endorsements:
        result = (
            _verify_data_integrity(endorsement, "json", inner)
            if isinstance(endorsement, dict)
            else _verify_jwt_form(endorsement, "jwt", inner)
        )
        if result.verified:
            report.ok("endorsements", f"endorsement in {where} verified")
        else:
            first = result.errors[0].detail if result.errors else "not verified"
            report.fail(
                "endorsements",
                "invalid-endorsement",
                f"endorsement in {where} does not verify: {first}",
            )


