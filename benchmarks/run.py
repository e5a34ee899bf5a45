"""Credentials per second: eddsa-rdfc-2022 and VC-JWT, this library vs the JavaScript stack.

Run from the repository root::

    python benchmarks/run.py [--seconds S] [--json]

One process, one thread, warm caches (the first credential of a run pays for loading and
processing the JSON-LD contexts; a service pays that once). The credential is the realistic
example of ``tests/factories.py``: a DigCompEdu badge with 3 alignments, a rubric result at
level B1 and evidence. The JavaScript figures come from ``node tests/interop/bench.mjs``
(``@digitalbazaar/vc`` issue / verifyCredential and ``jose`` VC-JWT sign / verify, same
credential, same key, same contexts), run after the Python measurements so the two never
compete for the CPU.

The headline verify figure is like for like: Digital Bazaar's ``verifyCredential`` checks the
credential's basic shape and validity dates, the proof and that the verification method's
controller is the issuer, so ours is ``credentials.verify.verify`` with the JSON Schema check
off (shape, contexts, dates, proofs, issuer binding). Proofs only and the full verification
(with JSON Schema) are printed too.

Exit status: 0 when every target is met (or the JS stack is unavailable, reported as such),
1 when a target is missed, 2 when the benchmark itself fails (e.g. a signature that does not
verify: timing an early exit would be meaningless).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# The library, and tests/factories.py (the realistic example credential the tests use too).
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from factories import DEFAULT_NOW, make_credential  # noqa: E402

from badge_service.adapters.keyring import IssuerIdentity  # noqa: E402
from badge_service.formats import conformance  # noqa: E402
from credentials import jsonld  # noqa: E402
from credentials.data_integrity import add_proof, verify_proofs  # noqa: E402
from credentials.did import Resolver  # noqa: E402
from credentials.jwt import sign_jwt, verify_jwt  # noqa: E402
from credentials.keys import KeyPair  # noqa: E402
from credentials.verify import verify  # noqa: E402

#: Python credentials/s must be at least this multiple of the Digital Bazaar stack's.
TARGETS = {"sign": 3.0, "verify": 2.5}
#: (name, Python figure, JS figure, target or None when the ratio is informational).
RATIOS = (
    ("sign", "di_sign", "sign", TARGETS["sign"]),
    ("verify", "verify", "verify", TARGETS["verify"]),
    ("full verify", "full_verify", "verify", None),
    ("JWT sign", "jwt_sign", "jwt_sign", None),
    ("JWT verify", "jwt_verify", "jwt_verify", None),
)
JS_BENCH = REPO / "tests" / "interop" / "bench.mjs"
WARM_UP = 20
CREATED = DEFAULT_NOW
NOW = DEFAULT_NOW  # verification time: inside the credential's validity period


def measure(operation: Callable[[], Any], seconds: float) -> dict[str, float]:
    """Run ``operation`` for about ``seconds`` (after a warm-up); rate and mean time."""
    for _ in range(WARM_UP):
        operation()
    n = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds or n == 0:
        operation()
        n += 1
        elapsed = time.perf_counter() - start
    return {"per_second": n / elapsed, "ms": elapsed / n * 1000, "n": n}


class BenchmarkError(Exception):
    """The benchmark cannot run as designed (not a slow result: a wrong one)."""


def python_figures(credential: dict, key: KeyPair, seconds: float) -> dict[str, Any]:
    signer = key.signer()
    resolver = Resolver()
    signed = add_proof(credential, signer, created=CREATED)
    checks = verify_proofs(signed, resolver=resolver, expected_controller=key.did_key)
    if not all(check.verified for check in checks):
        raise BenchmarkError(f"our own signature does not verify: {checks}")
    for check_schema in (False, True):
        result = verify(signed, now=NOW, resolver=resolver, check_schema=check_schema)
        if not result.verified:
            raise BenchmarkError(f"credentials.verify rejects our own credential: {result.errors}")
    token = sign_jwt(credential, key.signer(), now=NOW)
    jwt_result = verify_jwt(token, resolver=resolver, now=NOW)
    if not jwt_result.verified:
        raise BenchmarkError(f"our own VC-JWT does not verify: {jwt_result.errors}")

    identity = IssuerIdentity(key.did_key, key.did_key_vm, "bench", key)
    conformance.check(_award_sign(credential, identity)[0], identity=identity, now=NOW,
                      kind=conformance.ACHIEVEMENT, jwt=_award_sign(credential, identity)[1])

    return {
        # What services/issuing.issue does per award: the Data Integrity and VC-JWT forms,
        # then the same with the conformance check before issue (schema + both round trips).
        "award_sign": measure(lambda: _award_sign(credential, identity), seconds),
        "award_sign_checked": measure(lambda: _award_sign_checked(credential, identity),
                                      seconds),
        "di_sign": measure(lambda: add_proof(credential, signer, created=CREATED), seconds),
        # Like for like with Digital Bazaar's verifyCredential: shape, contexts, validity
        # dates, proofs and issuer binding; no JSON Schema.
        "verify": measure(
            lambda: verify(signed, now=NOW, resolver=resolver, check_schema=False), seconds
        ),
        "di_verify": measure(
            lambda: verify_proofs(signed, resolver=resolver, expected_controller=key.did_key),
            seconds,
        ),
        "full_verify": measure(lambda: verify(signed, now=NOW, resolver=resolver), seconds),
        "jwt_sign": measure(lambda: sign_jwt(credential, key.signer(), now=NOW), seconds),
        "jwt_verify": measure(lambda: verify_jwt(token, resolver=resolver, now=NOW), seconds),
        "breakdown_ms": breakdown(signed, key, seconds),
    }


def _award_sign(credential: dict, identity: IssuerIdentity) -> tuple[dict, str]:
    signed = conformance.as_proof_set(add_proof(credential, identity.signer(), created=CREATED))
    return signed, sign_jwt(credential, identity.signer())


def _award_sign_checked(credential: dict, identity: IssuerIdentity) -> tuple[dict, str]:
    signed, token = _award_sign(credential, identity)
    conformance.check(signed, identity=identity, now=NOW, kind=conformance.ACHIEVEMENT,
                      jwt=token)
    return signed, token


def breakdown(signed: dict, key: KeyPair, seconds: float) -> dict[str, float]:
    """Where one eddsa-rdfc-2022 proof goes: JSON-LD to RDF, RDFC-1.0, Ed25519.

    Each proof canonicalizes two documents: the credential (without its proof) and the proof
    configuration (the proof options with the credential's @context).
    """
    proof = signed["proof"]
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    config = {
        **{k: v for k, v in proof.items() if k != "proofValue"},
        "@context": signed["@context"],
    }
    budget = max(seconds / 5, 0.2)
    doc_nquads = jsonld.to_nquads(unsecured)
    config_nquads = jsonld.to_nquads(config)
    data = hashlib.sha256(b"proof").digest() + hashlib.sha256(b"document").digest()
    signature = key.sign(data)
    return {
        "to_rdf_document": measure(lambda: jsonld.to_nquads(unsecured), budget)["ms"],
        "to_rdf_proof_config": measure(lambda: jsonld.to_nquads(config), budget)["ms"],
        "rdfc_document": measure(lambda: jsonld.canonicalize_nquads(doc_nquads), budget)["ms"],
        "rdfc_proof_config": measure(lambda: jsonld.canonicalize_nquads(config_nquads), budget)[
            "ms"
        ],
        "ed25519_sign": measure(lambda: key.sign(data), budget)["ms"],
        "ed25519_verify": measure(lambda: key.verify(signature, data), budget)["ms"],
        "quads_document": len(doc_nquads.splitlines()),
    }


def js_figures(credential: dict, key: KeyPair, seconds: float) -> dict[str, Any]:
    """The Digital Bazaar stack's figures, or ``{"unavailable": reason}``."""
    node = shutil.which("node")
    if node is None:
        return {"unavailable": "node is not installed"}
    if not (JS_BENCH.parent / "node_modules").is_dir():
        return {"unavailable": "run `npm ci` in tests/interop first"}
    request = {
        "credential": credential,
        "secretKeyMultibase": key.secret_multibase(),
        "publicKeyMultibase": key.public_multibase,
        "controller": key.did_key,
        "seconds": seconds,
        "now": NOW.isoformat(),
    }
    try:
        completed = subprocess.run(
            [node, str(JS_BENCH)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=seconds * 8 + 120,
            check=False,
            cwd=JS_BENCH.parent,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"unavailable": f"node tests/interop/bench.mjs failed: {exc}"}
    if completed.returncode != 0:
        raise BenchmarkError(
            f"node tests/interop/bench.mjs exited {completed.returncode}: "
            f"{completed.stderr.strip()[-2000:]}"
        )
    out = json.loads(completed.stdout)

    def figure(name: str) -> dict[str, float]:
        rate = out[f"{name}_per_second"]
        return {"per_second": rate, "ms": 1000 / rate, "n": out[f"n_{name}"]}

    return {
        "sign": figure("sign"),
        "verify": figure("verify"),
        "jwt_sign": figure("jwt_sign"),
        "jwt_verify": figure("jwt_verify"),
        "node": _node_version(node),
        "jose": _npm_version("jose"),
    }


def _npm_version(package: str) -> str:
    try:
        manifest = JS_BENCH.parent / "node_modules" / package / "package.json"
        return json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def _node_version(node: str) -> str:
    completed = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    return completed.stdout.strip()


def comparison(python: dict, js: dict) -> dict[str, Any]:
    """Python/JS for each pair of :data:`RATIOS`; ``pass`` is None without a target."""
    if "unavailable" in js:
        return {}
    result = {}
    for name, ours, theirs, target in RATIOS:
        ratio = python[ours]["per_second"] / js[theirs]["per_second"]
        result[name] = {
            "ratio": ratio,
            "target": target,
            "pass": None if target is None else ratio >= target,
        }
    return result


def environment() -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "python": platform.python_version(),
        "pyld": version("PyLD"),
        "pyoxigraph": version("pyoxigraph"),
        "cryptography": version("cryptography"),
        "joserfc": version("joserfc"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
    }


def report_text(results: dict[str, Any]) -> str:
    python, js, ratios = results["python"], results["js"], results["ratios"]
    quads = python["breakdown_ms"]["quads_document"]
    env = results["environment"]
    lines = [
        "Credentials per second, single process, warm caches "
        f"({results['seconds']:g} s per operation)",
        f"Credential: tests/factories.py make_credential() -- 3 alignments, result at B1, "
        f"evidence; {quads} RDF quads",
        f"Python {env['python']}, pyld {env['pyld']}, pyoxigraph {env['pyoxigraph']}, "
        f"cryptography {env['cryptography']}; {env['machine']}",
        "",
        f"{'':48}{'cred/s':>10}{'ms/cred':>10}",
    ]

    def row(label: str, figure: dict | None) -> None:
        if figure is None or "unavailable" in figure:
            reason = (figure or {}).get("unavailable", "not measured")
            lines.append(f"{label:48}{'n/a':>10}{'':10}  ({reason})")
        else:
            lines.append(f"{label:48}{figure['per_second']:>10.0f}{figure['ms']:>10.3f}")

    row("Python award signing (DI + VC-JWT)", python["award_sign"])
    row("  same + conformance check before issue", python["award_sign_checked"])
    row("Python eddsa-rdfc-2022 sign (add_proof)", python["di_sign"])
    row("Python verify, no JSON Schema (like DB's)", python["verify"])
    row("Python proofs only (verify_proofs)", python["di_verify"])
    row("Python full verify (with JSON Schema)", python["full_verify"])
    row("Python VC-JWT sign (the Signer, EdDSA)", python["jwt_sign"])
    row("Python VC-JWT verify", python["jwt_verify"])
    labels = (
        ("sign", "Digital Bazaar eddsa-rdfc-2022 sign (vc.issue)"),
        ("verify", "Digital Bazaar verify (vc.verifyCredential)"),
        ("jwt_sign", "JS VC-JWT sign (jose, EdDSA)"),
        ("jwt_verify", "JS VC-JWT verify (jose)"),
    )
    for name, label in labels:
        row(label, js if "unavailable" in js else js[name])
    if "unavailable" not in js:
        lines.append(f"  (node {js['node']}, jose {js['jose']}, tests/interop/package-lock.json)")

    b = python["breakdown_ms"]
    to_rdf = b["to_rdf_document"] + b["to_rdf_proof_config"]
    rdfc = b["rdfc_document"] + b["rdfc_proof_config"]
    sign_ms, verify_ms = python["di_sign"]["ms"], python["di_verify"]["ms"]
    lines += [
        "",
        "Where one Python proof goes (ms): document + proof configuration",
        f"  JSON-LD to RDF (pyld + N-Quads)  {to_rdf:6.3f}  "
        f"({b['to_rdf_document']:.3f} + {b['to_rdf_proof_config']:.3f})",
        f"  RDFC-1.0 (pyoxigraph)            {rdfc:6.3f}  "
        f"({b['rdfc_document']:.3f} + {b['rdfc_proof_config']:.3f})",
        f"  Ed25519 sign / verify            {b['ed25519_sign']:6.3f} / {b['ed25519_verify']:.3f}",
        f"  everything else, sign / verify   "
        f"{sign_ms - to_rdf - rdfc - b['ed25519_sign']:6.3f} / "
        f"{verify_ms - to_rdf - rdfc - b['ed25519_verify']:.3f}",
        "",
    ]
    checked, unchecked = python["award_sign_checked"]["ms"], python["award_sign"]["ms"]
    lines += [
        f"Conformance before issue: {checked:.3f} ms vs {unchecked:.3f} ms per award signed, "
        f"{checked / unchecked:.2f}x the time (+{checked - unchecked:.3f} ms)",
        "",
    ]
    if not ratios:
        lines.append("Targets: not evaluated (JavaScript figures unavailable)")
    for name, r in ratios.items():
        if r["target"] is None:
            verdict = "(informational, no target)"
        else:
            verdict = f"(target >= {r['target']:g}x)  " + ("PASS" if r["pass"] else "FAIL")
        lines.append(f"{name:11} Python/JS = {r['ratio']:5.2f}x  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="measuring time per operation (default 3)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")

    key = KeyPair.generate("Ed25519")
    credential = make_credential(issuer_id=key.did_key)
    try:
        python = python_figures(credential, key, args.seconds)
        js = js_figures(credential, key, args.seconds)
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    results = {
        "seconds": args.seconds,
        "environment": environment(),
        "python": python,
        "js": js,
        "ratios": comparison(python, js),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(results, indent=2) if args.json else report_text(results))
    return 1 if any(r["pass"] is False for r in results["ratios"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
