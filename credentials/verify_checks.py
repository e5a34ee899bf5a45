"""Checks of :func:`credentials.verify.verify` that need no recursion into another
verification: types and schema, proofs as reported, validity dates, the challenge and domain of
a presentation, and where endorsements are found. ``report`` is a
:class:`credentials.verify_result._Report`; ``ctx`` the verification's context."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import schema
from .data_integrity import ProofCheck
from .errors import CredentialsError
from .verify_result import _Report

if TYPE_CHECKING:
    from .did import Resolver, VerificationMethod
    from .jsonld import DocumentLoader

#: ``key_policy(method, credential, token)``: asked about every key whose signature on a
#: credential verified (the dereferenced method, the credential, and its VC-JWT when it came as
#: one). A string it returns says why that key cannot vouch for this credential (its controller
#: reported it compromised, and a thief can write any ``proof.created`` date, so only the
#: controller's own records can tell); it fails the issuer check as ``key-compromised``.
KeyPolicy = Callable[["VerificationMethod", dict[str, Any], "str | None"], "str | None"]

OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


@dataclass
class _Context:
    now: datetime
    resolver: Resolver
    loader: DocumentLoader
    fetch_status_list: Callable[[str], dict[str, Any]] | None
    clock_skew: timedelta
    check_schema: bool = True
    depth: int = 0
    key_policy: KeyPolicy | None = None
    challenge: str | None = None
    domain: str | None = None


def _check_request_binding(presentation: dict[str, Any], report: _Report, ctx: _Context) -> None:
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


def _enveloped(item: dict[str, Any]) -> str:
    # VCDM 2.0 §4.13: a JWT inside a presentation is a data: URL in an enveloped credential.
    value = item.get("id", "")
    if isinstance(value, str) and value.startswith("data:") and "," in value:
        return value.split(",", 1)[1]
    return value if isinstance(value, str) else ""


def _is_auxiliary(types: list[Any]) -> bool:
    return bool(
        {"EndorsementCredential", "ClrCredential", "BitstringStatusListCredential"} & set(types)
    )


def _check_schema(credential: dict[str, Any], report: _Report) -> None:
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


def _schema_kind(credential: dict[str, Any]) -> str | None:
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


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def _check_validity(credential: dict[str, Any], report: _Report, ctx: _Context) -> None:
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


def _find_endorsements(credential: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any] | str]]:
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


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _has_type(document: dict[str, Any], wanted: str) -> bool:
    types = document.get("type")
    return wanted in (types if isinstance(types, list) else [types])


def _key_refusal(
    vm_id: str | None, credential: dict[str, Any], token: str | None, ctx: _Context
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
