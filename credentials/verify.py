"""Verify a credential in any form we accept, reporting every check and every error.

:func:`verify` never raises on bad input: a hostile file gets a result saying what is wrong, not
a stack trace. Inputs: a JSON credential (dict, str or bytes), a compact VC-JWT, a baked PNG or
SVG, or a JSON verifiable presentation. Collaborators are arguments: the DID ``resolver``, the
``fetch_status_list`` used for Bitstring Status List checks, the JSON-LD ``loader``, ``now``, and
an optional ``key_policy`` (see :data:`KeyPolicy`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import baking, related_resource, schema
from .bound_form import unbound_reason
from .data_integrity import ProofCheck, verify_proofs
from .errors import CredentialsError, EncodingError, InputTooLargeError, MalformedInputError
from .jsonld import DocumentLoader, bundled_loader
from .jwt import is_compact_jws, verify_jwt
from .status_list import check_status

if TYPE_CHECKING:
    from .did import Resolver, VerificationMethod

#: ``key_policy(method, credential, token)``: asked about every key whose signature on a
#: credential verified (the dereferenced method, the credential, and its VC-JWT when it came as
#: one). A string it returns says why that key cannot vouch for this credential (its controller
#: reported it compromised, and a thief can write any ``proof.created`` date, so only the
#: controller's own records can tell); it fails the issuer check as ``key-compromised``.
KeyPolicy = Callable[["VerificationMethod", dict, "str | None"], "str | None"]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})

MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 48
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)

# The plain-language verdicts, most serious first: a result takes the first that applies.
VERDICTS = (
    "malformed",
    "tampered",
    "unknown-issuer",
    "revoked",
    "suspended",
    "expired",
    "not-yet-valid",
    "invalid",
    "valid",
)
_VERDICT_OF_PROBLEM = {
    "malformed-input": "malformed",
    "unbound-form": "malformed",
    "input-too-large": "malformed",
    "malformed-encoding": "malformed",
    "baking-failed": "malformed",
    "signature-mismatch": "tampered",
    "undefined-term": "tampered",
    "context-mismatch": "tampered",
    "invalid-jwt": "tampered",
    "resolution-failed": "unknown-issuer",
    "fetch-failed": "unknown-issuer",
    "controller-mismatch": "unknown-issuer",
    "purpose-not-authorized": "unknown-issuer",
    "unknown-key": "unknown-issuer",
    # Ranked with the issuer problems: the signature is intact but proves nothing about who
    # made it, so neither "genuine but expired" nor "revoked" may be said of it.
    "key-compromised": "unknown-issuer",
    "revoked": "revoked",
    "suspended": "suspended",
    "expired": "expired",
    "not-yet-valid": "not-yet-valid",
}


@dataclass(frozen=True)
class Check:
    """One verification step. ``passed`` is None when the step did not apply or could not run."""

    name: str
    passed: bool | None
    detail: str


@dataclass(frozen=True)
class Problem:
    """An error or warning: ``type`` is a stable slug the service maps to a problem-type URI."""

    type: str
    check: str
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    verdict: str
    format: str
    credential: dict | None = None
    checks: tuple[Check, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    #: For a presentation: the result of each credential it carries.
    credentials: tuple[VerificationResult, ...] = field(default=())

    def to_dict(self) -> dict:
        return asdict(self)


class _Report:
    def __init__(self, fmt: str) -> None:
        self.format = fmt
        self.checks: list[Check] = []
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def ok(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def fail(self, name: str, problem: str, detail: str) -> None:
        self.checks.append(Check(name, False, detail))
        self.errors.append(Problem(problem, name, detail))

    def skip(self, name: str, detail: str, *, warn: str | None = None) -> None:
        self.checks.append(Check(name, None, detail))
        if warn:
            self.warnings.append(Problem(warn, name, detail))

    def result(
        self, credential: dict | None, nested: tuple[VerificationResult, ...] = ()
    ) -> VerificationResult:
        problems = [p.type for p in self.errors] + ["invalid" for r in nested if not r.verified]
        verdict = "valid"
        for problem in problems:
            candidate = _VERDICT_OF_PROBLEM.get(problem, "invalid")
            if VERDICTS.index(candidate) < VERDICTS.index(verdict):
                verdict = candidate
        return VerificationResult(
            verified=not problems,
            verdict=verdict,
            format=self.format,
            credential=credential,
            checks=tuple(self.checks),
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
            credentials=nested,
        )


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    now: datetime,
    resolver: Resolver,
    loader: DocumentLoader | None = None,
    fetch_status_list: Callable[[str], dict] | None = None,
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
    if _has_type(parsed, "VerifiablePresentation"):
        return _verify_presentation(parsed, context)
    return _verify_data_integrity(parsed, fmt, context)


@dataclass
class _Context:
    now: datetime
    resolver: Resolver
    loader: DocumentLoader
    fetch_status_list: Callable[[str], dict] | None
    clock_skew: timedelta
    check_schema: bool = True
    depth: int = 0
    key_policy: KeyPolicy | None = None
    challenge: str | None = None
    domain: str | None = None


# ---------------------------------------------------------------------------------------------
# Parsing


def _parse(data: bytes | str | Mapping[str, Any]) -> tuple[str, dict | str]:
    if isinstance(data, Mapping):
        _check_depth(data)
        return "json", dict(data)
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes | str):
        # A presentation may carry anything as a "credential": a number, null, a list…
        kind = "null" if data is None else type(data).__name__
        raise MalformedInputError(
            f"expected a credential (a JSON object, a VC-JWT or a baked image), got {kind}"
        )
    if len(data) > MAX_INPUT_BYTES:
        raise InputTooLargeError(
            f"input is {len(data)} bytes; the limit is {MAX_INPUT_BYTES} bytes"
        )
    if isinstance(data, bytes):
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return "png", _baked(baking.unbake_png(data))
        # xml_head: a UTF-16 or UTF-32 SVG (as some editors export) is an SVG too.
        head = baking.xml_head(data, 256).lower()
        if head.startswith((b"<?xml", b"<svg", b"<!--")) or b"<svg" in head:
            return "svg", _baked(baking.unbake_svg(data))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MalformedInputError(
                "input is neither UTF-8 text (JSON or JWT) nor a PNG or SVG image"
            ) from None
    text = data.strip()
    if is_compact_jws(text):
        return "jwt", text
    return "json", parse_json(text)


def _baked(content: dict | str) -> dict | str:
    if isinstance(content, str):
        text = content.strip()
        return text if is_compact_jws(text) else parse_json(text)
    _check_depth(content)
    return content


def parse_json(text: str) -> dict:
    """Parse a JSON object with the size and nesting limits verification applies."""
    if len(text) > MAX_INPUT_BYTES:
        raise InputTooLargeError(f"JSON is {len(text)} characters; limit {MAX_INPUT_BYTES}")
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputTooLargeError(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise MalformedInputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(value, dict):
        raise MalformedInputError("JSON input must be an object (a credential or presentation)")
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    # Iterative, so that a hostile document cannot exhaust the stack here either.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputTooLargeError(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(node, Mapping):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


# ---------------------------------------------------------------------------------------------
# Per-form verification


def _verify_data_integrity(credential: dict, fmt: str, ctx: _Context) -> VerificationResult:
    report = _Report(fmt)
    report.ok("parse", f"read a JSON credential ({fmt})")
    _check_shape(credential, report, ctx, bound=True)
    issuer = _issuer_id(credential)
    checks = verify_proofs(
        credential, resolver=ctx.resolver, loader=ctx.loader, expected_controller=issuer
    )
    checks = [
        replace(check, verified=False, problem="key-compromised", detail=reason)
        if check.verified
        and (reason := _key_refusal(check.verification_method, credential, None, ctx))
        else check
        for check in checks
    ]
    _report_proofs(checks, report)
    _check_common(credential, report, ctx)
    return report.result(credential)


def _key_refusal(
    vm_id: str | None, credential: dict, token: str | None, ctx: _Context
) -> str | None:
    """Why ``ctx.key_policy`` refuses the key that verified ``credential``, or None."""
    if ctx.key_policy is None or not isinstance(vm_id, str):
        return None
    try:
        # Resolved a moment ago to check the signature; the resolver remembers the document.
        method = ctx.resolver.resolve_verification_method(vm_id)
    except CredentialsError:
        return None
    reason = ctx.key_policy(method, credential, token)
    return f"{vm_id}: {reason}" if reason else None


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
        _key_refusal(jwt_result.verification_method, credential, token, ctx)
        if jwt_result.verified
        else None
    )
    if refusal:
        report.ok("proof", f"JWT signature verified ({jwt_result.header.get('alg')})")
        report.fail("issuer", "key-compromised", refusal)
    elif jwt_result.verified:
        report.ok("proof", f"JWT signature verified ({jwt_result.header.get('alg')})")
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


def _verify_presentation(presentation: dict, ctx: _Context) -> VerificationResult:
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
        _report_proofs(checks, report)
        _check_request_binding(presentation, report, ctx)
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
            item = _enveloped(item)
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


def _check_request_binding(presentation: dict, report: _Report, ctx: _Context) -> None:
    """Each proof carries the challenge and domain the verifier chose (VC Data Integrity §2.1).

    They are proof options, so the signature covers them: once the proof verified, comparing
    the JSON values is enough. Without them a presentation could be replayed to another
    verifier or for another request.
    """
    proofs = presentation.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    for name in ("challenge", "domain"):
        expected = getattr(ctx, name)
        if expected is None:
            continue
        for index, proof in enumerate(proofs):
            value = proof.get(name) if isinstance(proof, dict) else None
            # A domain may be a set of domains (VC Data Integrity §2.1); a challenge is one.
            accepted = value if name == "domain" and isinstance(value, list) else [value]
            if expected not in accepted:
                found = f"carries no {name}" if value is None else f"has {name} {value!r}"
                report.fail("proof", f"{name}-mismatch",
                            f"proof {index} {found}; {expected!r} was expected")


def _enveloped(item: dict) -> str:
    # VCDM 2.0 §4.13: a JWT inside a presentation is a data: URL in an enveloped credential.
    value = item.get("id", "")
    if isinstance(value, str) and value.startswith("data:") and "," in value:
        return value.split(",", 1)[1]
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------------
# Checks shared by both forms


def _check_shape(
    credential: dict, report: _Report, ctx: _Context, *, bound: bool = False
) -> None:
    _check_contexts(credential, report, ctx, bound=bound)
    listed = credential.get("type")
    listed = listed if isinstance(listed, list) else [listed]
    types = _string_types(credential)
    if len(types) != len(listed):
        # Lists or objects among the types would be unhashable below; a type is a term.
        report.fail("types", "malformed-input", "every member of type must be a string")
    elif "VerifiableCredential" not in types:
        report.fail("types", "malformed-input", "type does not include VerifiableCredential")
    elif not OB_TYPES.intersection(types) and not _is_auxiliary(types):
        report.skip("types", f"a {', '.join(map(str, types))}, not an Open Badge")
    else:
        report.ok("types", "types: " + ", ".join(map(str, types)))
    if _issuer_id(credential) is None:
        report.fail("issuer", "malformed-input", "the credential names no issuer id")
    if ctx.check_schema:
        _check_schema(credential, report)


def _is_auxiliary(types: list) -> bool:
    return bool(
        {"EndorsementCredential", "ClrCredential", "BitstringStatusListCredential"} & set(types)
    )


def _check_contexts(
    document: dict, report: _Report, ctx: _Context, *, bound: bool = False
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


def _check_schema(credential: dict, report: _Report) -> None:
    kind = _schema_kind(credential)
    if kind is None:
        report.skip("schema", "no Open Badges JSON Schema applies to this credential type")
        return
    violations = schema.validate(credential, kind)
    if violations:
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        report.fail(
            "schema", "schema-invalid", f"{kind} schema: {first.path or '/'}: {first.message}{more}"
        )
    else:
        report.ok("schema", f"valid against the Open Badges 3.0 {kind} JSON Schema")


def _string_types(credential: Mapping[str, Any]) -> list[str]:
    """The string members of ``type`` (a hostile document may put anything there)."""
    types = credential.get("type")
    return [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def _schema_kind(credential: dict) -> str | None:
    types = set(_string_types(credential))
    if OB_TYPES & types:
        return "AchievementCredential"
    if "EndorsementCredential" in types:
        return "EndorsementCredential"
    return None


def _report_proofs(checks: Iterable[ProofCheck], report: _Report) -> None:
    for check in checks:
        if check.verified:
            report.ok("proof", f"proof {check.index}: {check.detail} ({check.verification_method})")
        elif check.problem == "key-compromised":
            # The signature itself is intact; what fails is the key's word for the issuer.
            report.ok("proof", f"proof {check.index}: signature verified")
            report.fail("issuer", check.problem, f"proof {check.index}: {check.detail}")
        else:
            name = (
                "issuer"
                if check.problem
                in (
                    "controller-mismatch",
                    "purpose-not-authorized",
                    "resolution-failed",
                    "fetch-failed",
                )
                else "proof"
            )
            report.fail(
                name, check.problem or "invalid-proof", f"proof {check.index}: {check.detail}"
            )
    if all(c.verified for c in checks):
        report.ok("issuer", "the signing key is controlled by the issuer")


def _check_common(
    credential: dict, report: _Report, ctx: _Context, *, validity: bool = True
) -> None:
    if validity:
        _check_validity(credential, report, ctx)
    _check_status(credential, report, ctx)
    related_resource.report_on(credential, ctx.loader, report)
    _check_endorsements(credential, report, ctx)


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def _check_validity(credential: dict, report: _Report, ctx: _Context) -> None:
    starts = credential.get("validFrom", credential.get("issuanceDate"))
    ends = credential.get("validUntil", credential.get("expirationDate"))
    valid_from, valid_until = parse_datetime(starts), parse_datetime(ends)
    if starts is not None and valid_from is None:
        report.fail("validity", "malformed-input", f"validFrom {starts!r} is not a dateTime")
        return
    if ends is not None and valid_until is None:
        report.fail("validity", "malformed-input", f"validUntil {ends!r} is not a dateTime")
        return
    if valid_from and valid_from > ctx.now + ctx.clock_skew:
        report.fail("validity", "not-yet-valid", f"not valid before {starts}")
    elif valid_until and valid_until < ctx.now - ctx.clock_skew:
        report.fail("validity", "expired", f"expired on {ends}")
    else:
        until = f" until {ends}" if ends else ""
        report.ok("validity", f"valid from {starts}{until}" if starts else f"valid{until}")


def _check_status(credential: dict, report: _Report, ctx: _Context) -> None:
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

    def verify_list(list_credential: dict) -> bool:
        # A list signed by anyone but the credential's own issuer could clear a revocation.
        if _issuer_id(list_credential) != _issuer_id(credential):
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


def _check_endorsements(credential: dict, report: _Report, ctx: _Context) -> None:
    endorsements = list(_find_endorsements(credential))
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


def _find_endorsements(credential: dict) -> Iterable[tuple[str, dict | str]]:
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    issuer = credential.get("issuer")
    places: list[tuple[str, Any]] = [("credential", credential), ("issuer", issuer)]
    for s in subjects:
        if isinstance(s, dict):
            places.append(("achievement", s.get("achievement")))
            if isinstance(s.get("achievement"), dict):
                places.append(("achievement creator", s["achievement"].get("creator")))
    for where, node in places:
        if not isinstance(node, dict):
            continue
        for item in _as_list(node.get("endorsement")):
            yield where, item
        for item in _as_list(node.get("endorsementJwt")):
            yield where, item


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _issuer_id(credential: dict) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _has_type(document: dict, wanted: str) -> bool:
    types = document.get("type")
    return wanted in (types if isinstance(types, list) else [types])
