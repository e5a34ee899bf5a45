"""What the Digital Bazaar interop tests share: signing and verifying through the Node.js
scripts of tests/interop/, and the did:key of an Ed25519 key."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from interop_node import multikey_pair, run_node


def js_verify(credential: dict, documents: dict | None = None, **options: Any) -> dict:
    return run_node("verify.mjs", {"credential": credential, "documents": documents or {},
                                   **options})


def js_sign(credential: dict, key: Ed25519PrivateKey, controller: str, **extra: Any) -> dict:
    secret, public = multikey_pair(key)
    return run_node("sign.mjs", {"credential": credential, "secretKeyMultibase": secret,
                                 "publicKeyMultibase": public, "controller": controller,
                                 **extra})


def did_key_of(key: Ed25519PrivateKey) -> str:
    return "did:key:" + multikey_pair(key)[1]
