"""Credentials per second: eddsa-rdfc-2022 and VC-JWT, this library vs the Digital Bazaar stack.

Run from the repository root::

    python benchmarks/run.py [--seconds S] [--json]

One process, one thread, warm caches (the first credential of a run pays for loading and
processing the JSON-LD contexts; a service pays that once). The credential is the realistic
example of ``tests/factories.py``: a DigCompEdu badge with 3 alignments, a rubric result at
level B1 and evidence. The Digital Bazaar figures come from ``node tests/interop/bench.mjs``
(``@digitalbazaar/vc`` issue / verifyCredential, same credential, same key, same contexts),
run after the Python measurements so the two never compete for the CPU.

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

from credentials import jsonld  # noqa: E402
from credentials.data_integrity import add_proof, verify_proofs  # noqa: E402
from credentials.did import Resolver  # noqa: E402
from credentials.keys import KeyPair  # noqa: E402

#: Python credentials/s must be at least this multiple of the Digital Bazaar stack's.
TARGETS = {"sign": 3.0, "verify": 2.5}
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

    figures: dict[str, Any] = {
        "di_sign": measure(lambda: add_proof(credential, signer, created=CREATED), seconds),
        "di_verify": measure(
            lambda: verify_proofs(signed, resolver=resolver, expected_controller=key.did_key),
            seconds,
        ),
    }
    figures["full_verify"] = _optional_full_verify(signed, resolver, seconds)
    figures["jwt_sign"], figures["jwt_verify"] = _optional_jwt(credential, key, seconds)
    figures["breakdown_ms"] = breakdown(signed, key, seconds)
    return figures


def _optional_full_verify(signed: dict, resolver: Resolver, seconds: float) -> dict | None:
    """``credentials.verify.verify``: every check (schema, dates, status...), not only proofs."""
    try:
        from credentials.verify import verify
    except ImportError as exc:
        return {"unavailable": f"credentials.verify cannot be imported: {exc}"}
    result = verify(signed, now=NOW, resolver=resolver)
    if not result.verified:
        return {"unavailable": f"does not verify the benchmark credential: {result.errors}"}
    return measure(lambda: verify(signed, now=NOW, resolver=resolver), seconds)


def _optional_jwt(credential: dict, key: KeyPair, seconds: float) -> tuple[dict, dict]:
    try:
        from credentials.jwt import sign_jwt, verify_jwt
    except ImportError as exc:
        missing = {"unavailable": f"credentials.jwt cannot be imported: {exc}"}
        return missing, missing
    resolver = Resolver()
    token = sign_jwt(credential, key, now=NOW)
    result = verify_jwt(token, resolver=resolver, now=NOW)
    if not result.verified:
        raise BenchmarkError(f"our own VC-JWT does not verify: {result.errors}")
    return (
        measure(lambda: sign_jwt(credential, key, now=NOW), seconds),
        measure(lambda: verify_jwt(token, resolver=resolver, now=NOW), seconds),
    )


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
    }
    try:
        completed = subprocess.run(
            [node, str(JS_BENCH)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=seconds * 4 + 120,
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
    return {
        "sign": {"per_second": out["sign_per_second"], "ms": 1000 / out["sign_per_second"],
                 "n": out["n_sign"]},
        "verify": {"per_second": out["verify_per_second"],
                   "ms": 1000 / out["verify_per_second"], "n": out["n_verify"]},
        "node": _node_version(node),
    }  # fmt: skip


def _node_version(node: str) -> str:
    completed = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    return completed.stdout.strip()


def comparison(python: dict, js: dict) -> dict[str, Any]:
    if "unavailable" in js:
        return {}
    result = {}
    for op, ours in (("sign", python["di_sign"]), ("verify", python["di_verify"])):
        ratio = ours["per_second"] / js[op]["per_second"]
        result[op] = {"ratio": ratio, "target": TARGETS[op], "pass": ratio >= TARGETS[op]}
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

    row("Python eddsa-rdfc-2022 sign (add_proof)", python["di_sign"])
    row("Python eddsa-rdfc-2022 verify (verify_proofs)", python["di_verify"])
    row("Python full verify (credentials.verify)", python["full_verify"])
    row("Python VC-JWT sign (EdDSA)", python["jwt_sign"])
    row("Python VC-JWT verify", python["jwt_verify"])
    if "unavailable" in js:
        row("Digital Bazaar eddsa-rdfc-2022 sign", js)
        row("Digital Bazaar eddsa-rdfc-2022 verify", js)
    else:
        row("Digital Bazaar eddsa-rdfc-2022 sign (vc.issue)", js["sign"])
        row("Digital Bazaar eddsa-rdfc-2022 verify", js["verify"])
        lines.append(f"  (Digital Bazaar: node {js['node']}, tests/interop/package-lock.json)")

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
    if not ratios:
        lines.append("Targets: not evaluated (Digital Bazaar figures unavailable)")
    for op, r in ratios.items():
        verdict = "PASS" if r["pass"] else "FAIL"
        lines.append(
            f"Target {op:6}: Python/JS = {r['ratio']:.2f}x  (target >= {r['target']:g}x)  {verdict}"
        )
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
    return 1 if any(not r["pass"] for r in results["ratios"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
