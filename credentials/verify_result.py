"""What a verification returns: each check, each problem (a stable slug), and the one
plain-language verdict a result takes from its most serious problem."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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
    credential: dict[str, Any] | None = None
    checks: tuple[Check, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    #: For a presentation: the result of each credential it carries.
    credentials: tuple[VerificationResult, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
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
        self, credential: dict[str, Any] | None, nested: tuple[VerificationResult, ...] = ()
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
