"""Key pairs: Ed25519 and P-256 sign and verify; RSA keys only verify.

Signature formats: Ed25519 signatures are the 64 raw bytes of RFC 8032. P-256 signatures are
ECDSA over SHA-256 in the IEEE P1363 form ``r || s`` (64 bytes, each half big-endian, left-padded)
because that is what JOSE (ES256) and Data Integrity (``ecdsa-*``) carry; DER signatures are
refused by :meth:`KeyPair.verify`. RSA keys only verify, as RS256 (PKCS#1 v1.5 with SHA-256).

The published forms of a key live in :mod:`credentials.key_encodings`, the encrypted file format
in :mod:`credentials.pkcs8`; :class:`KeyPair` is the one object callers hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from credentials import key_encodings as encodings
from credentials.errors import KeyDecryptionError, KeyError_
from credentials.key_encodings import ED25519, P256, RSA
from credentials.pkcs8 import decrypt_pem, encrypted_pem, public_label, recorded_public_multibase

__all__ = ["ED25519", "P256", "RSA", "KeyPair", "KeySigner"]

_GENERATABLE = (ED25519, P256)


class KeyPair:
    """A public key, optionally with its private half. Never prints private material."""

    __slots__ = ("_algorithm", "_private", "_public")

    def __init__(self, public_key: Any, private_key: Any = None) -> None:
        """Wrap ``cryptography`` key objects; prefer the ``from_*``/``generate`` constructors."""
        self._algorithm = encodings.algorithm_of(public_key)
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
        return cls(encodings.public_key_from_multibase(value))

    @classmethod
    def from_secret_multibase(cls, value: str) -> KeyPair:
        """Import a Multikey ``secretKeyMultibase`` (Ed25519 0x1300 or P-256 0x1306).

        Ed25519 accepts the 32-byte seed or, as some test vectors publish, seed ‖ public key
        (64 bytes; the public half must match).
        """
        private = encodings.private_key_from_multibase(value)
        return cls(private.public_key(), private)

    @classmethod
    def from_public_jwk(cls, jwk: Mapping[str, Any]) -> KeyPair:
        """Import a public JWK: OKP/Ed25519, EC/P-256, or RSA (≥ 2048 bits, verify only).

        A JWK carrying private members (``d``, ``p``, …) is refused: it was published by
        mistake and its key must be treated as compromised.
        """
        return cls(encodings.public_key_from_jwk(jwk))

    @classmethod
    def from_encrypted_pem(
        cls, data: bytes, passphrase: str | bytes, *, source: str = "key file"
    ) -> KeyPair:
        """Decrypt an encrypted PKCS#8 PEM. ``source`` names the key/file in error messages."""
        private = decrypt_pem(data, passphrase, source)
        try:
            pair = cls(private.public_key(), private)
        except KeyError_ as exc:
            raise KeyDecryptionError(f"{source}: {exc.detail}", source=source) from None
        recorded = recorded_public_multibase(data)
        if recorded and recorded != pair.public_multibase:
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
        return encodings.public_bytes(self._algorithm, self._public)

    @property
    def public_multibase(self) -> str:
        """W3C Multikey ``publicKeyMultibase``: ``z6Mk…`` (Ed25519) or ``zDn…`` (P-256)."""
        return encodings.public_multibase(self._algorithm, self.public_bytes)

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
        return encodings.secret_multibase(self._algorithm, self._require_private())

    def to_public_jwk(self, kid: str | None = None) -> dict[str, str]:
        """Public JWK (RFC 7517/8037); ``kid`` is added when given."""
        return encodings.public_jwk(self._algorithm, self._public, kid)

    def jwk_thumbprint(self) -> str:
        """RFC 7638 SHA-256 JWK thumbprint, base64url."""
        return encodings.jwk_thumbprint(self.to_public_jwk())

    def to_encrypted_pem(self, passphrase: str | bytes, *, scrypt_log_n: int = 17) -> bytes:
        """PKCS#8 PEM encrypted with PBES2 (scrypt N=2**scrypt_log_n, r=8, p=1; AES-256-CBC)."""
        encrypted = encrypted_pem(self._require_private(), passphrase, scrypt_log_n)
        return public_label(self.public_multibase) + encrypted

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
            signature: bytes = private.sign(bytes(data))  # the key objects are Any (see __init__)
            return signature
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
    """Satisfies the ``Signer`` protocol: ``verification_method``, ``algorithm``, ``sign``,
    ``public_jwk``."""

    verification_method: str
    algorithm: str
    _key: KeyPair = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_jwk(self) -> dict[str, str]:
        return self._key.to_public_jwk()

    @property
    def key(self) -> KeyPair:
        return self._key
