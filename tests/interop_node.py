"""Call the Digital Bazaar scripts in ``tests/interop/`` (Node.js) from Python.

Each script reads one JSON object on stdin and writes one on stdout; see
``tests/interop/README.md`` for the contracts. Used by the interop tests and by the benchmark.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

INTEROP_DIR = Path(__file__).resolve().parent / "interop"
NODE_MODULES = INTEROP_DIR / "node_modules"
# One package whose presence shows `npm ci` ran; the scripts import it first.
_MARKER = NODE_MODULES / "@digitalbazaar" / "vc" / "package.json"

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"
_ED25519_PRIV = b"\x80\x26"


class NodeUnavailable(RuntimeError):
    """Node.js or the installed npm packages are missing."""


class NodeScriptError(RuntimeError):
    """A script failed as a harness (bad input, crash), not as a verification outcome."""


def node_unavailable_reason() -> str | None:
    """Why the scripts cannot run here, or None when they can."""
    if shutil.which("node") is None:
        return "Node.js (`node`) is not on PATH"
    if not _MARKER.is_file():
        return f"{NODE_MODULES} is not installed; run `npm ci` in {INTEROP_DIR}"
    return None


def call_node(script: str, payload: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
    """Run ``tests/interop/<script>`` with ``payload`` on stdin and return its JSON output.

    Raises :class:`NodeUnavailable` or :class:`NodeScriptError`; no pytest involved, so the
    benchmark can use it too.
    """
    reason = node_unavailable_reason()
    if reason is not None:
        raise NodeUnavailable(reason)
    node = shutil.which("node")
    assert node is not None
    completed = subprocess.run(
        [node, str(INTEROP_DIR / script)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=INTEROP_DIR,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise NodeScriptError(
            f"{script} exited with {completed.returncode}: {completed.stderr.strip()}"
        )
    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError as exc:
        raise NodeScriptError(f"{script} wrote no JSON: {completed.stdout[:200]!r}") from exc


def run_node(script: str, payload: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
    """:func:`call_node` for tests: skip when Node.js is missing, but fail under CI."""
    import pytest

    try:
        return call_node(script, payload, timeout=timeout)
    except NodeUnavailable as exc:
        message = f"Digital Bazaar interop cannot run: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)


def _base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58_ALPHABET[digit] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


def multikey_pair(private_key: Ed25519PrivateKey) -> tuple[str, str]:
    """(secretKeyMultibase, publicKeyMultibase) of an Ed25519 key, as the JS scripts take them.

    Encoded here rather than with ``credentials``, so the JS side never depends on the code
    under test for its own keys.
    """
    seed = private_key.private_bytes_raw()
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + _base58btc(_ED25519_PRIV + seed), "z" + _base58btc(_ED25519_PUB + public)
