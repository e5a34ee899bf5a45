"""Key pairs: W3C and 1EdTech vectors, Ed25519 and P-256, Multikey and JWK import-export,
signers, and keeping private material out of reprs and pickles."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from credentials.errors import EncodingError, KeyError_
from credentials.keys import KeyPair
from credentials.multibase import b64url_encode

# -- W3C / 1EdTech vectors ---------------------------------------------------------------------


def test_w3c_key_pair_vector(standards_dir: Path) -> None:
    folder = standards_dir / "test-vectors/eddsa-rdfc-2022"
    pair = json.loads((folder / "keyPair.json").read_text())
    key = KeyPair.from_secret_multibase(pair["privateKeyMultibase"])
    assert key.algorithm == "Ed25519"
    assert key.public_multibase == pair["publicKeyMultibase"]
    assert key.secret_multibase() == pair["privateKeyMultibase"]
    assert key.did_key == "did:key:" + pair["publicKeyMultibase"]
    assert key.did_key_vm == f"{key.did_key}#{pair['publicKeyMultibase']}"
    assert KeyPair.from_public_multibase(pair["publicKeyMultibase"]) == key
    # Ed25519 is deterministic: the key reproduces the published signature.
    hash_data = bytes.fromhex((folder / "combinedHashDataInt.txt").read_text().strip())
    signature = bytes.fromhex((folder / "sigHexDataInt.txt").read_text().strip())
    assert key.sign(hash_data) == signature
    assert key.public_only().verify(signature, hash_data)


def test_1edtech_ob_vector_with_64_byte_secret(standards_dir: Path) -> None:
    values = json.loads(
        (standards_dir / "test-vectors/ob-v3p0-eddsa-rdfc-2022/transcribed-values.json").read_text()
    )
    key = KeyPair.from_secret_multibase(values["secretKeyMultibase"])
    assert key.public_bytes.hex() == values["publicKeyHex"]
    assert key.public_multibase == values["publicKeyMultibase"]
    signature = key.sign(bytes.fromhex(values["dataToSignHex"]))
    assert signature.hex() == values["signatureHex"]
    # Our export is the 32-byte seed form, which imports back to the same key.
    assert KeyPair.from_secret_multibase(key.secret_multibase()) == key


def test_64_byte_secret_with_wrong_public_half_is_refused() -> None:
    from credentials.multibase import ED25519_PRIV, b58encode, multicodec_wrap

    seed = bytes(range(32))
    own = KeyPair.from_key_object(ed25519.Ed25519PrivateKey.from_private_bytes(seed))
    good = "z" + b58encode(multicodec_wrap(ED25519_PRIV, seed + own.public_bytes))
    assert KeyPair.from_secret_multibase(good) == own
    bad = "z" + b58encode(multicodec_wrap(ED25519_PRIV, seed + KeyPair.generate().public_bytes))
    with pytest.raises(KeyError_, match="does not match"):
        KeyPair.from_secret_multibase(bad)


# -- Ed25519 / P-256 ---------------------------------------------------------------------------


def test_ed25519_generate_sign_verify() -> None:
    key = KeyPair.generate("Ed25519")
    assert key.public_multibase.startswith("z6Mk")
    signature = key.sign(b"data")
    assert len(signature) == 64
    assert key.verify(signature, b"data")
    assert not key.verify(signature, b"datA")
    assert not key.verify(signature[:-1], b"data")
    assert not key.verify(bytes(64), b"data")
    assert not key.verify("not bytes", b"data")  # type: ignore[arg-type]
    assert not KeyPair.generate().verify(signature, b"data")


def test_p256_multikey_jwk_and_raw_signatures() -> None:
    key = KeyPair.generate("P-256")
    assert key.algorithm == "P-256"
    assert key.public_multibase.startswith("zDn")
    assert len(key.public_bytes) == 33
    assert KeyPair.from_public_multibase(key.public_multibase) == key
    assert KeyPair.from_secret_multibase(key.secret_multibase()) == key
    signature = key.sign(b"payload")
    assert len(signature) == 64  # IEEE P1363 r || s, as JOSE ES256 carries it
    assert key.verify(signature, b"payload")
    assert not key.verify(signature, b"Payload")
    # An independent check: cryptography verifies the DER form of our r || s.
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    key.cryptography_key().verify(encode_dss_signature(r, s), b"payload", ec.ECDSA(hashes.SHA256()))
    # DER signatures are refused rather than guessed at.
    der = key.cryptography_key(private=True).sign(b"payload", ec.ECDSA(hashes.SHA256()))
    assert not key.verify(der, b"payload")


def test_p256_multikey_known_vector() -> None:
    # did:key spec test vector (P-256): multicodec 0x1200 + compressed point.
    multibase = "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
    key = KeyPair.from_public_multibase(multibase)
    assert key.algorithm == "P-256"
    assert key.public_multibase == multibase
    assert key.did_key == "did:key:" + multibase


def test_public_multibase_errors() -> None:
    with pytest.raises(EncodingError, match="prefix 'z'"):
        KeyPair.from_public_multibase("u7QE")
    with pytest.raises(EncodingError, match="position 5"):
        KeyPair.from_public_multibase("z6Mkr0VnaZ")
    from credentials.multibase import b58encode, multicodec_wrap

    with pytest.raises(KeyError_, match="32 bytes"):
        KeyPair.from_public_multibase("z" + b58encode(multicodec_wrap(0xED, bytes(10))))

    with pytest.raises(KeyError_, match="0x1205"):
        KeyPair.from_public_multibase("z" + b58encode(multicodec_wrap(0x1205, bytes(32))))
    with pytest.raises(KeyError_, match="not a point"):
        KeyPair.from_public_multibase(
            "z" + b58encode(multicodec_wrap(0x1200, b"\x02" + (1).to_bytes(32, "big")))
        )


def test_unsupported_generation() -> None:
    with pytest.raises(KeyError_, match="RSA"):
        KeyPair.generate("RSA")
    with pytest.raises(KeyError_, match="secp384r1"):
        KeyPair.from_key_object(ec.generate_private_key(ec.SECP384R1()))


# -- JWK -----------------------------------------------------------------------------------------


def test_rfc8037_ed25519_jwk_and_thumbprint() -> None:
    # RFC 8037 appendix A.1-A.3.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    key = KeyPair.from_public_jwk(jwk)
    assert key.to_public_jwk() == jwk
    assert key.jwk_thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert key.to_public_jwk(kid="k1") == {**jwk, "kid": "k1"}


def test_rfc7638_rsa_thumbprint() -> None:
    # RFC 7638 §3.1 example key.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1"
            "L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4"
            "QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO"
            "pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
            "Cur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    key = KeyPair.from_public_jwk(jwk)
    assert key.algorithm == "RSA"
    assert key.jwk_thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    assert key.to_public_jwk() == {"kty": "RSA", "n": jwk["n"], "e": "AQAB"}
    with pytest.raises(KeyError_, match="no Multikey"):
        _ = key.public_multibase


def test_p256_jwk_round_trip_and_rsa_verify() -> None:
    key = KeyPair.generate("P-256")
    jwk = key.to_public_jwk()
    assert set(jwk) == {"kty", "crv", "x", "y"}
    assert KeyPair.from_public_jwk(jwk) == key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_key = KeyPair.from_public_jwk(KeyPair.from_key_object(private).to_public_jwk())
    from cryptography.hazmat.primitives.asymmetric import padding

    signature = private.sign(b"msg", padding.PKCS1v15(), hashes.SHA256())
    assert rsa_key.verify(signature, b"msg")
    assert not rsa_key.verify(signature, b"msG")


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        (
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                "d": "x",
            },
            "private",
        ),
        (
            {"kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            "X25519",
        ),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "32 bytes"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "11qY+AYK"}, "malformed"),
        ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, "P-384"),
        (
            {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(bytes(32)),
                "y": b64url_encode(bytes(32)),
            },
            "not a point",
        ),
        ({"kty": "RSA", "n": b64url_encode(b"\xc1" * 128), "e": "AQAB"}, "too small"),
        ({"kty": "oct", "k": "abc"}, "private"),
        ({"kty": "XYZ"}, "not supported"),
        (["not", "a", "dict"], "JSON object"),
    ],
)
def test_bad_jwks_are_refused(jwk: object, message: str) -> None:
    with pytest.raises(KeyError_, match=message):
        KeyPair.from_public_jwk(jwk)  # type: ignore[arg-type]


# -- signer, repr, pickling ----------------------------------------------------------------------


def test_signer_protocol() -> None:
    key = KeyPair.generate()
    signer = key.signer()
    assert signer.verification_method == f"{key.did_key}#{key.public_multibase}"
    assert signer.algorithm == "Ed25519"
    assert key.verify(signer.sign(b"x"), b"x")
    custom = key.signer("did:web:example.com#key-1")
    assert custom.verification_method == "did:web:example.com#key-1"
    with pytest.raises(KeyError_, match="no private half"):
        key.public_only().signer()
    with pytest.raises(KeyError_, match="no private half"):
        key.public_only().sign(b"x")


def test_private_material_never_printed() -> None:
    key = KeyPair.generate()
    secret = key.secret_multibase()
    raw_seed = key.cryptography_key(private=True).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    for text in (repr(key), str(key), repr(key.signer()), f"{key}", repr([key])):
        assert secret not in text
        assert secret[1:] not in text
        assert raw_seed.hex() not in text
        assert b64url_encode(raw_seed) not in text
    assert "private=yes" in repr(key)
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(key)


def test_equality_ignores_private_half() -> None:
    key = KeyPair.generate()
    assert key == key.public_only()
    assert hash(key) == hash(key.public_only())
    assert key != KeyPair.generate()
    assert key != "z6Mk"
