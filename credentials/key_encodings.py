"""The published forms of a key: W3C Multikey (``publicKeyMultibase``/``secretKeyMultibase``),
JWK (RFC 7517/8037) and its RFC 7638 thumbprint, over ``cryptography`` key objects.

Kept apart from :class:`credentials.key_pair.KeyPair` (which delegates here) because these
formats change with the specs that define them, not with how keys sign or are stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from credentials.errors import EncodingError, KeyError_
from credentials.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    P256_PRIV,
    P256_PUB,
    b58decode,
    b58encode,
    b64url_decode,
    b64url_encode,
    multicodec_unwrap,
    multicodec_wrap,
)

__all__ = [
    "ED25519",
    "P256",
    "RSA",
    "algorithm_of",
    "jwk_thumbprint",
    "private_key_from_multibase",
    "public_bytes",
    "public_jwk",
    "public_key_from_jwk",
    "public_key_from_multibase",
    "public_multibase",
    "secret_multibase",
]

ED25519 = "Ed25519"
P256 = "P-256"
RSA = "RSA"

_MIN_RSA_BITS = 2048


def algorithm_of(public_key: Any) -> str:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return ED25519
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise KeyError_(f"elliptic curve {public_key.curve.name} is not supported (P-256)")
        return P256
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < _MIN_RSA_BITS:
            raise KeyError_(
                f"RSA key of {public_key.key_size} bits is too small (minimum {_MIN_RSA_BITS})"
            )
        return RSA
    raise KeyError_(f"unsupported key type {type(public_key).__name__}")


# -- Multikey ---------------------------------------------------------------------------------


def public_key_from_multibase(value: str) -> Any:
    """Import a W3C Multikey ``publicKeyMultibase`` (``z6Mk…`` Ed25519, ``zDn…`` P-256)."""
    codec, raw = _decode_multikey(value, "publicKeyMultibase")
    if codec == ED25519_PUB:
        if len(raw) != 32:
            raise KeyError_(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if codec == P256_PUB:
        if len(raw) != 33 or raw[0] not in (2, 3):
            raise KeyError_(
                f"P-256 Multikey must be a 33-byte compressed point, got {len(raw)} bytes"
            )
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise KeyError_("P-256 Multikey is not a point on the curve") from None
    raise KeyError_(
        f"publicKeyMultibase has multicodec 0x{codec:x}, which is not an Ed25519 (0xed) "
        "or P-256 (0x1200) public key",
        codec=codec,
    )


def private_key_from_multibase(value: str) -> Any:
    """Import a Multikey ``secretKeyMultibase`` (Ed25519 0x1300 or P-256 0x1306).

    Ed25519 accepts the 32-byte seed or, as some test vectors publish, seed ‖ public key
    (64 bytes; the public half must match).
    """
    codec, raw = _decode_multikey(value, "secretKeyMultibase")
    if codec == ED25519_PRIV:
        if len(raw) not in (32, 64):
            raise KeyError_(f"Ed25519 secret key must be 32 (or 64) bytes, got {len(raw)}")
        private: Any = ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
        if len(raw) == 64 and raw[32:] != public_bytes(ED25519, private.public_key()):
            raise KeyError_("Ed25519 secret key's public half does not match its seed")
        return private
    if codec == P256_PRIV:
        if len(raw) != 32:
            raise KeyError_(f"P-256 secret key must be 32 bytes, got {len(raw)}")
        try:
            return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        except ValueError:
            raise KeyError_("P-256 secret key is out of range") from None
    raise KeyError_(
        f"secretKeyMultibase has multicodec 0x{codec:x}, not Ed25519 (0x1300) or P-256 "
        "(0x1306)",
        codec=codec,
    )


def public_bytes(
    algorithm: str, public: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
) -> bytes:
    """Raw public key: 32 bytes (Ed25519), 33-byte compressed point (P-256), DER (RSA)."""
    if algorithm == ED25519:
        return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if algorithm == P256:
        return public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_multibase(algorithm: str, raw_public: bytes) -> str:
    """W3C Multikey ``publicKeyMultibase``: ``z6Mk…`` (Ed25519) or ``zDn…`` (P-256)."""
    codec = {ED25519: ED25519_PUB, P256: P256_PUB}.get(algorithm)
    if codec is None:
        raise KeyError_(f"{algorithm} keys have no Multikey encoding here")
    return "z" + b58encode(multicodec_wrap(codec, raw_public))


def secret_multibase(algorithm: str, private: Any) -> str:
    """Export the private key as Multikey ``secretKeyMultibase``. Handle with care."""
    if algorithm == ED25519:
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return "z" + b58encode(multicodec_wrap(ED25519_PRIV, raw))
    if algorithm == P256:
        raw = private.private_numbers().private_value.to_bytes(32, "big")
        return "z" + b58encode(multicodec_wrap(P256_PRIV, raw))
    raise KeyError_(f"{algorithm} private keys have no Multikey encoding")


def _decode_multikey(value: str, what: str) -> tuple[int, bytes]:
    if not isinstance(value, str):
        raise KeyError_(f"{what} must be a string, not {type(value).__name__}")
    if not value.startswith("z"):
        raise EncodingError(
            f"{what} must be base58btc multibase (prefix 'z'), got prefix {value[:1]!r}"
        )
    return multicodec_unwrap(b58decode(value[1:], _offset=1))


# -- JWK --------------------------------------------------------------------------------------


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Any:
    """Import a public JWK: OKP/Ed25519, EC/P-256, or RSA (≥ 2048 bits, verify only).

    A JWK carrying private members (``d``, ``p``, …) is refused: it was published by
    mistake and its key must be treated as compromised.
    """
    if not isinstance(jwk, Mapping):
        raise KeyError_(f"JWK must be a JSON object, not {type(jwk).__name__}")
    private_members = sorted({"d", "p", "q", "dp", "dq", "qi", "oth", "k"} & set(jwk))
    if private_members:
        raise KeyError_(
            f"JWK contains private key members {private_members}; refusing a public key "
            "whose private half has been disclosed"
        )
    kty = jwk.get("kty")
    try:
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise KeyError_(f"OKP JWK curve {jwk.get('crv')!r} is not supported")
            return ed25519.Ed25519PublicKey.from_public_bytes(_jwk_bytes(jwk, "x", 32))
        if kty == "EC":
            if jwk.get("crv") != "P-256":
                raise KeyError_(f"EC JWK curve {jwk.get('crv')!r} is not supported")
            x = int.from_bytes(_jwk_bytes(jwk, "x", 32), "big")
            y = int.from_bytes(_jwk_bytes(jwk, "y", 32), "big")
            try:
                return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
            except ValueError:
                raise KeyError_("EC JWK is not a point on P-256") from None
        if kty == "RSA":
            n = int.from_bytes(_jwk_bytes(jwk, "n"), "big")
            e = int.from_bytes(_jwk_bytes(jwk, "e"), "big")
            try:
                return rsa.RSAPublicNumbers(e, n).public_key()
            except ValueError as exc:
                raise KeyError_(f"RSA JWK is invalid: {exc}") from None
    except EncodingError as exc:
        raise KeyError_(f"JWK is malformed: {exc.detail}") from None
    raise KeyError_(f"JWK key type {kty!r} is not supported (OKP, EC or RSA)")


def public_jwk(algorithm: str, public: Any, kid: str | None = None) -> dict[str, str]:
    """Public JWK (RFC 7517/8037); ``kid`` is added when given."""
    if algorithm == ED25519:
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public_bytes(algorithm, public))}
    elif algorithm == P256:
        numbers = public.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }
    else:
        numbers = public.public_numbers()
        jwk = {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def jwk_thumbprint(jwk: Mapping[str, str]) -> str:
    """RFC 7638 SHA-256 JWK thumbprint, base64url."""
    required = {
        "OKP": ("crv", "kty", "x"),
        "EC": ("crv", "kty", "x", "y"),
        "RSA": ("e", "kty", "n"),
    }
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def _jwk_bytes(jwk: Mapping[str, Any], name: str, length: int | None = None) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise KeyError_(f"JWK member {name!r} is missing or not a string")
    raw = b64url_decode(value)
    if length is not None and len(raw) != length:
        raise KeyError_(f"JWK member {name!r} must be {length} bytes, got {len(raw)}")
    return raw


def _b64url_uint(value: int) -> str:
    return b64url_encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))
