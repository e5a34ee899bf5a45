"""Key pairs (Ed25519, P-256; RSA for verification only) and the encrypted on-disk key store.

Signature formats: Ed25519 signatures are the 64 raw bytes of RFC 8032. P-256 signatures are
ECDSA over SHA-256 in the IEEE P1363 form ``r || s`` (64 bytes, each half big-endian, left-padded)
because that is what JOSE (ES256) and Data Integrity (``ecdsa-*``) carry; DER signatures are
refused by :meth:`KeyPair.verify`. RSA keys only verify, as RS256 (PKCS#1 v1.5 with SHA-256).

Private key files are PKCS#8 ``EncryptedPrivateKeyInfo`` using PBES2 with scrypt (RFC 7914 §7)
and AES-256-CBC. ``cryptography`` can only *write* PBKDF2 with 2048 iterations for PKCS#8, which
is cheap to brute-force, so the container is assembled here; it stays standard PKCS#8 that
``cryptography``/OpenSSL read back. Because CBC has no integrity check, a loaded key is also
compared with the public key recorded in the store's ``keys.json``: a tampered file that still
decrypts to *some* key is refused as well.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from credentials.errors import EncodingError, KeyDecryptionError, KeyError_
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
    "KEY_ID_PATTERN",
    "P256",
    "RSA",
    "KeyInfo",
    "KeyPair",
    "KeySigner",
    "KeyStore",
    "StoredKey",
    "read_key_file",
    "write_key_file",
]

ED25519 = "Ed25519"
P256 = "P-256"
RSA = "RSA"
_GENERATABLE = (ED25519, P256)

#: Key ids double as file names and DID URL fragments: keep them to a safe, portable set.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_MIN_RSA_BITS = 2048
_MAX_KEY_FILE_BYTES = 64 * 1024
_METADATA_FILE = "keys.json"
_PUBLIC_LABEL = "publicKeyMultibase:"
_PUBLIC_LABEL_RE = re.compile(rb"^publicKeyMultibase: (z[1-9A-HJ-NP-Za-km-z]+)\r?$", re.MULTILINE)
_LOCK_FILE = ".keys.lock"


# ---------------------------------------------------------------------------------------------
# Key pairs


class KeyPair:
    """A public key, optionally with its private half. Never prints private material."""

    __slots__ = ("_algorithm", "_private", "_public")

    def __init__(self, public_key: Any, private_key: Any = None) -> None:
        """Wrap ``cryptography`` key objects; prefer the ``from_*``/``generate`` constructors."""
        self._algorithm = _algorithm_of(public_key)
        self._public = public_key
        self._private = private_key

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def generate(cls, algorithm: str = ED25519) -> KeyPair:
        """A fresh key pair: ``"Ed25519"`` or ``"P-256"``."""
        if algorithm == ED25519:
            private: Any = ed25519.Ed25519PrivateKey.generate()
        elif algorithm == P256:
            private = ec.generate_private_key(ec.SECP256R1())
        else:
            raise KeyError_(
                f"cannot generate a {algorithm!r} key (supported: {', '.join(_GENERATABLE)})",
                algorithm=algorithm,
            )
        return cls(private.public_key(), private)

    @classmethod
    def from_key_object(cls, key: Any) -> KeyPair:
        """Wrap a ``cryptography`` private or public key object (Ed25519, P-256 or RSA)."""
        if isinstance(
            key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        ):
            return cls(key.public_key(), key)
        return cls(key)

    @classmethod
    def from_public_multibase(cls, value: str) -> KeyPair:
        """Import a W3C Multikey ``publicKeyMultibase`` (``z6Mk…`` Ed25519, ``zDn…`` P-256)."""
        codec, raw = _decode_multikey(value, "publicKeyMultibase")
        if codec == ED25519_PUB:
            if len(raw) != 32:
                raise KeyError_(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
            return cls(ed25519.Ed25519PublicKey.from_public_bytes(raw))
        if codec == P256_PUB:
            if len(raw) != 33 or raw[0] not in (2, 3):
                raise KeyError_(
                    f"P-256 Multikey must be a 33-byte compressed point, got {len(raw)} bytes"
                )
            try:
                return cls(ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw))
            except ValueError:
                raise KeyError_("P-256 Multikey is not a point on the curve") from None
        raise KeyError_(
            f"publicKeyMultibase has multicodec 0x{codec:x}, which is not an Ed25519 (0xed) "
            "or P-256 (0x1200) public key",
            codec=codec,
        )

    @classmethod
    def from_secret_multibase(cls, value: str) -> KeyPair:
        """Import a Multikey ``secretKeyMultibase`` (Ed25519 0x1300 or P-256 0x1306).

        Ed25519 accepts the 32-byte seed or, as some test vectors publish, seed ‖ public key
        (64 bytes; the public half must match).
        """
        codec, raw = _decode_multikey(value, "secretKeyMultibase")
        if codec == ED25519_PRIV:
            if len(raw) not in (32, 64):
                raise KeyError_(f"Ed25519 secret key must be 32 (or 64) bytes, got {len(raw)}")
            private: Any = ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
            pair = cls(private.public_key(), private)
            if len(raw) == 64 and raw[32:] != pair.public_bytes:
                raise KeyError_("Ed25519 secret key's public half does not match its seed")
            return pair
        if codec == P256_PRIV:
            if len(raw) != 32:
                raise KeyError_(f"P-256 secret key must be 32 bytes, got {len(raw)}")
            try:
                private = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            except ValueError:
                raise KeyError_("P-256 secret key is out of range") from None
            return cls(private.public_key(), private)
        raise KeyError_(
            f"secretKeyMultibase has multicodec 0x{codec:x}, not Ed25519 (0x1300) or P-256 "
            "(0x1306)",
            codec=codec,
        )

    @classmethod
    def from_public_jwk(cls, jwk: Mapping[str, Any]) -> KeyPair:
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
                x = _jwk_bytes(jwk, "x", 32)
                return cls(ed25519.Ed25519PublicKey.from_public_bytes(x))
            if kty == "EC":
                if jwk.get("crv") != "P-256":
                    raise KeyError_(f"EC JWK curve {jwk.get('crv')!r} is not supported")
                x = int.from_bytes(_jwk_bytes(jwk, "x", 32), "big")
                y = int.from_bytes(_jwk_bytes(jwk, "y", 32), "big")
                try:
                    public: Any = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
                except ValueError:
                    raise KeyError_("EC JWK is not a point on P-256") from None
                return cls(public)
            if kty == "RSA":
                n = int.from_bytes(_jwk_bytes(jwk, "n"), "big")
                e = int.from_bytes(_jwk_bytes(jwk, "e"), "big")
                try:
                    public = rsa.RSAPublicNumbers(e, n).public_key()
                except ValueError as exc:
                    raise KeyError_(f"RSA JWK is invalid: {exc}") from None
                return cls(public)
        except EncodingError as exc:
            raise KeyError_(f"JWK is malformed: {exc.detail}") from None
        raise KeyError_(f"JWK key type {kty!r} is not supported (OKP, EC or RSA)")

    @classmethod
    def from_encrypted_pem(
        cls, data: bytes, passphrase: str | bytes, *, source: str = "key file"
    ) -> KeyPair:
        """Decrypt an encrypted PKCS#8 PEM. ``source`` names the key/file in error messages."""
        secret = _passphrase_bytes(passphrase)
        if len(data) > _MAX_KEY_FILE_BYTES:
            raise KeyDecryptionError(
                f"{source} is {len(data)} bytes, too large to be a private key", source=source
            )
        if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" not in data:
            raise KeyDecryptionError(
                f"{source} is not an encrypted PKCS#8 PEM file (no 'BEGIN ENCRYPTED PRIVATE "
                "KEY' block); unencrypted or foreign key files are refused",
                source=source,
            )
        try:
            private = serialization.load_pem_private_key(data, password=secret)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise KeyDecryptionError(
                f"cannot decrypt {source}: wrong passphrase, or the file is truncated, "
                "corrupted or tampered with",
                source=source,
            ) from None
        try:
            pair = cls(private.public_key(), private)
        except KeyError_ as exc:
            raise KeyDecryptionError(f"{source}: {exc.detail}", source=source) from None
        recorded = _PUBLIC_LABEL_RE.search(data)
        if recorded and recorded.group(1).decode("ascii") != pair.public_multibase:
            raise KeyDecryptionError(
                f"{source} decrypts to a key that does not match the public key written in the "
                "file: the file was corrupted or tampered with",
                source=source,
            )
        return pair

    # -- properties ---------------------------------------------------------------------------

    @property
    def algorithm(self) -> str:
        """``"Ed25519"``, ``"P-256"`` or ``"RSA"``."""
        return self._algorithm

    @property
    def has_private(self) -> bool:
        return self._private is not None

    @property
    def public_bytes(self) -> bytes:
        """Raw public key: 32 bytes (Ed25519), 33-byte compressed point (P-256), DER (RSA)."""
        if self._algorithm == ED25519:
            return self._public.public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        if self._algorithm == P256:
            return self._public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
        return self._public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def public_multibase(self) -> str:
        """W3C Multikey ``publicKeyMultibase``: ``z6Mk…`` (Ed25519) or ``zDn…`` (P-256)."""
        codec = {ED25519: ED25519_PUB, P256: P256_PUB}.get(self._algorithm)
        if codec is None:
            raise KeyError_(f"{self._algorithm} keys have no Multikey encoding here")
        return "z" + b58encode(multicodec_wrap(codec, self.public_bytes))

    @property
    def did_key(self) -> str:
        """The ``did:key`` DID of this public key."""
        return "did:key:" + self.public_multibase

    @property
    def did_key_vm(self) -> str:
        """The verification method id of this key's ``did:key`` (``did:key:<mb>#<mb>``)."""
        multibase = self.public_multibase
        return f"did:key:{multibase}#{multibase}"

    # -- export -------------------------------------------------------------------------------

    def secret_multibase(self) -> str:
        """Export the private key as Multikey ``secretKeyMultibase``. Handle with care."""
        private = self._require_private()
        if self._algorithm == ED25519:
            raw = private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            return "z" + b58encode(multicodec_wrap(ED25519_PRIV, raw))
        if self._algorithm == P256:
            raw = private.private_numbers().private_value.to_bytes(32, "big")
            return "z" + b58encode(multicodec_wrap(P256_PRIV, raw))
        raise KeyError_(f"{self._algorithm} private keys have no Multikey encoding")

    def to_public_jwk(self, kid: str | None = None) -> dict[str, str]:
        """Public JWK (RFC 7517/8037); ``kid`` is added when given."""
        if self._algorithm == ED25519:
            jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.public_bytes)}
        elif self._algorithm == P256:
            numbers = self._public.public_numbers()
            jwk = {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(numbers.x.to_bytes(32, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            }
        else:
            numbers = self._public.public_numbers()
            jwk = {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
        if kid is not None:
            jwk["kid"] = kid
        return jwk

    def jwk_thumbprint(self) -> str:
        """RFC 7638 SHA-256 JWK thumbprint, base64url."""
        jwk = self.to_public_jwk()
        required = {
            "OKP": ("crv", "kty", "x"),
            "EC": ("crv", "kty", "x", "y"),
            "RSA": ("e", "kty", "n"),
        }
        members = {name: jwk[name] for name in required[jwk["kty"]]}
        canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
        return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())

    def to_encrypted_pem(self, passphrase: str | bytes, *, scrypt_log_n: int = 17) -> bytes:
        """PKCS#8 PEM encrypted with PBES2 (scrypt N=2**scrypt_log_n, r=8, p=1; AES-256-CBC)."""
        private = self._require_private()
        der = private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        encrypted = _pbes2_scrypt_encrypt(der, _passphrase_bytes(passphrase), scrypt_log_n)
        # PEM parsers ignore text before the BEGIN line (RFC 7468 §5.2); the public key there
        # tells people which key a file holds and lets loading detect a swapped or altered body.
        label = f"{_PUBLIC_LABEL} {self.public_multibase}\n".encode("ascii")
        return label + _pem("ENCRYPTED PRIVATE KEY", encrypted)

    def public_only(self) -> KeyPair:
        """The same key without its private half."""
        return KeyPair(self._public)

    def cryptography_key(self, *, private: bool = False) -> Any:
        """The underlying ``cryptography`` key object (for JOSE libraries)."""
        return self._require_private() if private else self._public

    # -- operations ---------------------------------------------------------------------------

    def sign(self, data: bytes) -> bytes:
        """Sign: Ed25519 raw, or ES256 as raw ``r || s`` (64 bytes)."""
        private = self._require_private()
        if self._algorithm == ED25519:
            return private.sign(bytes(data))
        if self._algorithm == P256:
            r, s = decode_dss_signature(private.sign(bytes(data), ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        raise KeyError_(f"signing with {self._algorithm} keys is not supported")

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` is valid over ``data``; never raises on a bad signature."""
        if not isinstance(signature, bytes | bytearray) or not isinstance(data, bytes | bytearray):
            return False
        signature, data = bytes(signature), bytes(data)
        try:
            if self._algorithm == ED25519:
                if len(signature) != 64:
                    return False
                self._public.verify(signature, data)
            elif self._algorithm == P256:
                if len(signature) != 64:
                    return False
                der = encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                )
                self._public.verify(der, data, ec.ECDSA(hashes.SHA256()))
            else:
                self._public.verify(signature, data, rsa_padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True

    def signer(self, verification_method: str | None = None) -> KeySigner:
        """A Signer for Data Integrity / JWT; defaults to this key's did:key VM id."""
        self._require_private()
        return KeySigner(
            verification_method=verification_method or self.did_key_vm,
            algorithm=self._algorithm,
            _key=self,
        )

    # -- dunder -------------------------------------------------------------------------------

    def _identity(self) -> tuple[str, bytes]:
        return self._algorithm, self.public_bytes

    def __eq__(self, other: object) -> bool:
        """Two KeyPairs are equal when their public keys are (private halves aside)."""
        if not isinstance(other, KeyPair):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        public = self.public_multibase if self._algorithm != RSA else "<rsa>"
        return (
            f"KeyPair(algorithm={self._algorithm!r}, public={public!r}, "
            f"private={'yes' if self.has_private else 'no'})"
        )

    __str__ = __repr__

    def __copy__(self) -> KeyPair:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> KeyPair:
        # Immutable wrapper: sharing is safe, and cryptography key objects cannot be deep-copied.
        return self

    def __reduce__(self) -> Any:
        # Pickling would write private material wherever the pickle goes.
        raise TypeError("KeyPair objects cannot be pickled; use to_encrypted_pem()")

    def _require_private(self) -> Any:
        if self._private is None:
            raise KeyError_(f"this {self._algorithm} key has no private half")
        return self._private


@dataclass(frozen=True)
class KeySigner:
    """Satisfies the ``Signer`` protocol: ``verification_method``, ``algorithm``, ``sign``."""

    verification_method: str
    algorithm: str
    _key: KeyPair = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    @property
    def key(self) -> KeyPair:
        return self._key


def _algorithm_of(public_key: Any) -> str:
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


def _decode_multikey(value: str, what: str) -> tuple[int, bytes]:
    if not isinstance(value, str):
        raise KeyError_(f"{what} must be a string, not {type(value).__name__}")
    if not value.startswith("z"):
        raise EncodingError(
            f"{what} must be base58btc multibase (prefix 'z'), got prefix {value[:1]!r}"
        )
    return multicodec_unwrap(b58decode(value[1:], _offset=1))


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


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        # NFC so the same passphrase typed on different systems derives the same key.
        passphrase = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    if not isinstance(passphrase, bytes | bytearray):
        raise KeyError_("the key passphrase must be a string")
    if not passphrase:
        raise KeyError_(
            "an empty key passphrase is refused; set BADGE_KEY_PASSPHRASE to a long secret"
        )
    return bytes(passphrase)


# -- PKCS#8 PBES2/scrypt container (RFC 5958, RFC 8018, RFC 7914 §7) ----------------------------

_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"
_OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def _der_seq(*items: bytes) -> bytes:
    return _der(0x30, b"".join(items))


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _der_oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _der(0x06, bytes(body))


def _pbes2_scrypt_encrypt(pkcs8_der: bytes, passphrase: bytes, log_n: int) -> bytes:
    if not 14 <= log_n <= 20:
        raise KeyError_(f"scrypt cost 2**{log_n} is outside the accepted range 2**14..2**20")
    salt, iv = secrets.token_bytes(16), secrets.token_bytes(16)
    n, r, p = 1 << log_n, 8, 1
    key = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(pkcs8_der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    scrypt_params = _der_seq(_der(0x04, salt), _der_int(n), _der_int(r), _der_int(p), _der_int(32))
    algorithm = _der_seq(
        _der_oid(_OID_PBES2),
        _der_seq(
            _der_seq(_der_oid(_OID_SCRYPT), scrypt_params),
            _der_seq(_der_oid(_OID_AES256_CBC), _der(0x04, iv)),
        ),
    )
    return _der_seq(algorithm, _der(0x04, ciphertext))


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"
    ).encode("ascii")


# ---------------------------------------------------------------------------------------------
# Single key files (the command line's --key / --out)


def write_key_file(
    path: str | os.PathLike[str],
    key: KeyPair,
    passphrase: str | bytes,
    *,
    scrypt_log_n: int = 17,
) -> None:
    """Write ``key`` encrypted to a new file with mode 0600; an existing file is never replaced."""
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise KeyError_(f"{target} already exists; refusing to overwrite a key file")
    _write_atomic(
        target, key.to_encrypted_pem(passphrase, scrypt_log_n=scrypt_log_n), overwrite=False
    )


def read_key_file(path: str | os.PathLike[str], passphrase: str | bytes) -> KeyPair:
    """Read a key written by :func:`write_key_file` (or a store file); refuses loose modes."""
    source = f"key file {Path(path)}"
    return KeyPair.from_encrypted_pem(
        _read_private_file(Path(path), source), passphrase, source=source
    )


def _read_private_file(path: Path, source: str) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise KeyError_(f"{source} does not exist", path=str(path)) from None
    except OSError as exc:
        raise KeyError_(f"cannot open {source}: {exc.strerror}", path=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if os.name == "posix" and mode & 0o077:
            raise KeyError_(
                f"{source} is accessible by group or others (mode {stat.S_IMODE(mode):04o}); "
                f"refusing to use it. Run: chmod 600 {path}",
                path=str(path),
            )
        return handle.read(_MAX_KEY_FILE_BYTES + 1)


# ---------------------------------------------------------------------------------------------
# Key store


@dataclass(frozen=True)
class KeyInfo:
    """Public metadata of a stored key (one entry of ``keys.json``)."""

    key_id: str
    algorithm: str
    created: str
    status: str  # "active" | "retired"
    public_multibase: str
    retired: str | None = None
    #: A retired key reported compromised: what it signed from ``compromised_since`` on may be
    #: a thief's; ``compromised`` is when the report was recorded.
    compromised_since: str | None = None
    compromised: str | None = None
    compromise_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def to_json(self) -> dict[str, str]:
        entry = {
            "id": self.key_id,
            "algorithm": self.algorithm,
            "created": self.created,
            "status": self.status,
            "publicKeyMultibase": self.public_multibase,
        }
        for name, value in (("retired", self.retired),
                            ("compromisedSince", self.compromised_since),
                            ("compromised", self.compromised),
                            ("compromiseReason", self.compromise_reason)):
            if value is not None:
                entry[name] = value
        return entry


@dataclass(frozen=True)
class StoredKey:
    """A decrypted key with its metadata."""

    info: KeyInfo
    key: KeyPair

    @property
    def key_id(self) -> str:
        return self.info.key_id


class KeyStore:
    """A directory of passphrase-encrypted PKCS#8 keys plus a ``keys.json`` index.

    Layout: ``<directory>/<key_id>.pem`` (mode 0600) and ``<directory>/keys.json``; the
    directory is kept at mode 0700. One key per algorithm is active; :meth:`rotate` retires it
    but keeps it loadable so credentials it signed still verify.
    """

    def __init__(
        self, directory: str | os.PathLike[str], passphrase: str | bytes, *, scrypt_log_n: int = 17
    ) -> None:
        self._directory = Path(directory)
        self._passphrase = _passphrase_bytes(passphrase)
        if not 14 <= scrypt_log_n <= 20:
            raise KeyError_(f"scrypt cost 2**{scrypt_log_n} is outside 2**14..2**20")
        self._scrypt_log_n = scrypt_log_n

    def __repr__(self) -> str:
        return f"KeyStore({str(self._directory)!r})"

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def index_path(self) -> Path:
        """The ``keys.json`` index (its stat tells a cache when the keys changed)."""
        return self._directory / _METADATA_FILE

    def path_for(self, key_id: str) -> Path:
        """The file that holds ``key_id`` (validated)."""
        return self._directory / f"{_check_key_id(key_id)}.pem"

    # -- reading ------------------------------------------------------------------------------

    def list(self) -> list[KeyInfo]:
        """All keys, oldest first, active and retired."""
        return list(self._read_metadata())

    def info(self, key_id: str) -> KeyInfo:
        _check_key_id(key_id)
        for entry in self._read_metadata():
            if entry.key_id == key_id:
                return entry
        raise KeyError_(f"no key {key_id!r} in {self._directory / _METADATA_FILE}", key_id=key_id)

    def load(self, key_id: str) -> KeyPair:
        """Decrypt ``key_id``; refuses group/world-readable files and tampered content."""
        info = self.info(key_id)
        path = self.path_for(key_id)
        source = f"key {key_id!r} ({path})"
        if not path.exists() and not path.is_symlink():
            raise KeyError_(
                f"{source} is listed in keys.json but its file is missing; restore it from backup",
                key_id=key_id,
                path=str(path),
            )
        data = _read_private_file(path, source)
        pair = KeyPair.from_encrypted_pem(data, self._passphrase, source=source)
        if pair.algorithm != info.algorithm or pair.public_multibase != info.public_multibase:
            raise KeyDecryptionError(
                f"{source} decrypts to a key that does not match the public key recorded in "
                "keys.json: the file was replaced, corrupted or tampered with",
                source=source,
            )
        return pair

    def active(self, algorithm: str = ED25519) -> StoredKey:
        """The active key of ``algorithm``, decrypted."""
        for entry in self._read_metadata():
            if entry.active and entry.algorithm == algorithm:
                return StoredKey(entry, self.load(entry.key_id))
        raise KeyError_(
            f"no active {algorithm} key in {self._directory}; generate one first",
            algorithm=algorithm,
        )

    def public_keys(self) -> list[tuple[str, KeyPair, bool]]:
        """``(key_id, public KeyPair, active)`` for every key, as ``did.did_document`` takes."""
        return [
            (entry.key_id, KeyPair.from_public_multibase(entry.public_multibase), entry.active)
            for entry in self._read_metadata()
        ]

    # -- writing ------------------------------------------------------------------------------

    def generate(
        self, key_id: str | None = None, algorithm: str = ED25519, *, now: datetime
    ) -> StoredKey:
        """Create the first active key of ``algorithm``; use :meth:`rotate` to replace one."""
        with self._locked():
            entries = self._read_metadata()
            current = [e for e in entries if e.active and e.algorithm == algorithm]
            if current:
                raise KeyError_(
                    f"{self._directory} already has an active {algorithm} key "
                    f"{current[0].key_id!r}; use rotate() to replace it",
                    algorithm=algorithm,
                )
            stored = self._create(entries, key_id, algorithm, now)
            self._write_metadata([*entries, stored.info])
            return stored

    def rotate(
        self, now: datetime, algorithm: str = ED25519, *, key_id: str | None = None
    ) -> StoredKey:
        """Make a new active key; the previous one becomes ``retired`` but stays loadable."""
        with self._locked():
            entries = self._read_metadata()
            stored = self._create(entries, key_id, algorithm, now)
            stamp = _iso(now)
            updated = [
                KeyInfo(**{**e.__dict__, "status": "retired", "retired": stamp})
                if e.active and e.algorithm == algorithm
                else e
                for e in entries
            ]
            self._write_metadata([*updated, stored.info])
            return stored

    def mark_compromised(
        self, key_id: str, *, since: datetime, now: datetime, reason: str | None = None
    ) -> KeyInfo:
        """Record that retired key ``key_id`` was compromised from ``since`` on.

        The key stays listed and loadable (what it signed before ``since`` must still verify);
        judging which credentials it really signed before then is the verifier's business.
        The active key is refused: rotate first, or the next credential is signed with it. A
        mark can be moved earlier, never later: a later time would accept more forgeries.
        """
        _check_key_id(key_id)
        stamp, marked = _iso(since), _iso(now)
        if since > now:
            raise KeyError_(f"the compromise time {stamp} is in the future (now {marked})")
        reason = _check_reason(reason)
        with self._locked():
            entries = self._read_metadata()
            found = next((e for e in entries if e.key_id == key_id), None)
            if found is None:
                raise KeyError_(f"no key {key_id!r} in {self._directory}", key_id=key_id)
            if found.active:
                raise KeyError_(
                    f"key {key_id!r} is the active key; rotate first so that nothing new is "
                    "signed with it, then mark it compromised",
                    key_id=key_id,
                )
            if found.compromised_since is not None and found.compromised_since <= stamp:
                raise KeyError_(
                    f"key {key_id!r} is already marked compromised since "
                    f"{found.compromised_since}; a mark can only be moved earlier",
                    key_id=key_id,
                )
            updated = replace(found, compromised_since=stamp, compromised=marked,
                              compromise_reason=reason or found.compromise_reason)
            self._write_metadata([updated if e is found else e for e in entries])
            return updated

    def _create(
        self, entries: list[KeyInfo], key_id: str | None, algorithm: str, now: datetime
    ) -> StoredKey:
        created = _iso(now)
        if key_id is None:
            key_id = f"key-{now.astimezone(UTC):%Y%m%d}-{secrets.token_hex(4)}"
        _check_key_id(key_id)
        path = self.path_for(key_id)
        if any(e.key_id == key_id for e in entries) or path.exists():
            raise KeyError_(f"key id {key_id!r} already exists in {self._directory}")
        pair = KeyPair.generate(algorithm)
        pem = pair.to_encrypted_pem(self._passphrase, scrypt_log_n=self._scrypt_log_n)
        _write_atomic(path, pem, overwrite=False)
        info = KeyInfo(key_id, algorithm, created, "active", pair.public_multibase)
        return StoredKey(info, pair)

    def _read_metadata(self) -> list[KeyInfo]:
        path = self._directory / _METADATA_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            document = json.loads(raw)
            return [
                KeyInfo(
                    key_id=_check_key_id(item["id"]),
                    algorithm=item["algorithm"],
                    created=item["created"],
                    status=item["status"],
                    public_multibase=item["publicKeyMultibase"],
                    retired=item.get("retired"),
                    compromised_since=_optional_stamp(item, "compromisedSince"),
                    compromised=_optional_stamp(item, "compromised"),
                    compromise_reason=_check_reason(item.get("compromiseReason")),
                )
                for item in document["keys"]
            ]
        except (ValueError, KeyError, TypeError, KeyError_) as exc:
            raise KeyError_(f"{path} is malformed ({exc}); restore it from backup") from None

    def _write_metadata(self, entries: list[KeyInfo]) -> None:
        document = {"version": 1, "keys": [e.to_json() for e in entries]}
        data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
        _write_atomic(self._directory / _METADATA_FILE, data, overwrite=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        _ensure_private_directory(self._directory)
        try:
            import fcntl  # POSIX only; elsewhere the store runs unlocked
        except ImportError:  # pragma: no cover
            yield
            return
        fd = os.open(self._directory / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _check_key_id(key_id: object) -> str:
    if not isinstance(key_id, str) or not KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyError_(
            f"invalid key id {key_id!r}: use 1-64 characters from A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit",
            key_id=key_id,
        )
    return key_id


_MAX_REASON = 500


def _check_reason(reason: object) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise KeyError_("the compromise reason must be a string")
    reason = reason.strip()
    if len(reason) > _MAX_REASON:
        raise KeyError_(f"the compromise reason is longer than {_MAX_REASON} characters")
    if any(unicodedata.category(c).startswith("C") for c in reason):
        # It is printed by `keys list` on a terminal: no control characters.
        raise KeyError_("the compromise reason must be one line of text")
    return reason or None


def _optional_stamp(item: Mapping[str, Any], name: str) -> str | None:
    """A recorded time, checked: comparisons of compromise times are of these strings."""
    value = item.get(name)
    if value is not None and not (isinstance(value, str) and _STAMP.fullmatch(value)):
        raise ValueError(f"{name} {value!r} is not a UTC time like 2026-01-31T12:00:00Z")
    return value


#: Times in keys.json: UTC, whole seconds, so that their string order is their time order.
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _iso(now: datetime) -> str:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ensure_private_directory(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        mode = stat.S_IMODE(directory.stat().st_mode)
        if mode & 0o077:
            # Key ids are not secret, but a directory others can write to lets them swap files.
            with contextlib.suppress(PermissionError):
                directory.chmod(0o700)


def _write_atomic(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write via a 0600 temp file, fsync, rename (or link, never replacing), fsync the dir."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                # link() fails when the target exists, so a racing writer is never clobbered.
                os.link(tmp, path)
            except FileExistsError:
                raise KeyError_(f"{path} already exists; refusing to overwrite it") from None
            tmp.unlink()
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if os.name == "posix":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
