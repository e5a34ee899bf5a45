"""The one error hierarchy of the ``credentials`` library.

Every error carries a stable ``problem`` slug. The service maps these, once, to RFC 9457
problem types at its HTTP edge, and :func:`credentials.verify.verify` lists them in its result
instead of raising. ``detail`` is written for people and never contains secrets (no key
material, no passphrases), so it is safe to show; the service still chooses what to send.
"""

from __future__ import annotations


class CredentialsError(Exception):
    """Base class of every error this library raises on purpose."""

    problem = "credentials-error"

    def __init__(self, detail: str, **context: object) -> None:
        super().__init__(detail)
        self.detail = detail
        #: Structured facts about the error (term, url, path, …) for reports and tests.
        self.context = context


class MalformedInputError(CredentialsError):
    """The input is not a well-formed credential, JWT, image or JSON document."""

    problem = "malformed-input"


class InputTooLargeError(MalformedInputError):
    """The input exceeds a size or nesting limit; refused before any costly work."""

    problem = "input-too-large"


class EncodingError(MalformedInputError):
    """A multibase, base58, base64url or multicodec value cannot be decoded."""

    problem = "malformed-encoding"


class DocumentNotFound(CredentialsError):
    """The JSON-LD document loader was asked for a URL it does not bundle."""

    problem = "unknown-context"

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url!r} is not bundled with this service", url=url)
        self.url = url


class UndefinedTermError(CredentialsError):
    """JSON-LD expansion would drop a property or type, or map it to an undefined vocabulary.

    Signing such a document would sign less than the issuer meant: the signature would not cover
    the term, and anyone could change its value without breaking the proof.
    """

    problem = "undefined-term"

    def __init__(self, term: str, *, relative_iri: bool = False) -> None:
        if relative_iri:
            detail = (
                f"value {term!r} is a relative IRI where an absolute one is required; "
                "JSON-LD would drop it, so it would not be covered by the signature"
            )
        else:
            detail = (
                f"term {term!r} is not defined by the document's JSON-LD contexts; "
                "it would not be covered by the signature"
            )
        super().__init__(detail, term=term, relative_iri=relative_iri)
        self.term = term


class CanonicalizationError(CredentialsError):
    """JSON-LD processing or RDF canonicalization failed."""

    problem = "canonicalization-failed"


class KeyError_(CredentialsError):  # trailing underscore: do not shadow KeyError
    """A key is missing, of the wrong type, or cannot be decrypted."""

    problem = "key-error"


class KeyDecryptionError(KeyError_):
    """A stored private key cannot be decrypted: wrong passphrase or tampered file."""

    problem = "key-decryption-failed"


class SigningError(CredentialsError):
    """A credential cannot be signed as asked (wrong issuer, bad proof options, …)."""

    problem = "signing-failed"


class ProofError(CredentialsError):
    """A proof is missing, malformed, or does not verify."""

    problem = "invalid-proof"


class MalformedProofError(ProofError):
    """A proof is not well formed: a member is missing or wrong, or its ``previousProof``
    names no proof of the document (a proof chain whose earlier link was removed)."""

    problem = "malformed-proof"


class ResolutionError(CredentialsError):
    """A DID or verification method cannot be resolved."""

    problem = "resolution-failed"


class FetchError(ResolutionError):
    """The injected fetcher could not retrieve a document (refused, unreachable, too big)."""

    problem = "fetch-failed"


class JwtError(CredentialsError):
    """A VC-JWT is malformed, uses a refused algorithm, or its signature does not verify."""

    problem = "invalid-jwt"


class StatusListError(CredentialsError):
    """A status list is malformed, too short, or an index is out of range or reused."""

    problem = "status-list-error"


class BakingError(CredentialsError):
    """A badge image cannot be baked or unbaked."""

    problem = "baking-failed"


class SchemaError(CredentialsError):
    """A credential does not validate against its JSON Schema."""

    problem = "schema-invalid"
