"""Builders for the Open Badges 3.0 and CLR 2.0 objects this service issues.

Plain functions: they take plain values (``str``, sequences, mappings, aware ``datetime``) and
return new ``dict`` objects ready to sign. Nothing passed in is mutated, and every mapping that
ends up embedded in the output is deep-copied, so a caller may reuse or change its inputs freely.

Conventions shared by all builders:

* Every typed object carries its ``type``. Types the OB 3.0 model makes multi-valued (``[1..*]``:
  Profile, Achievement, AchievementSubject, Alignment, Evidence, Result, ...) are arrays; the
  single-valued ones (``Image``, ``IdentityObject``, ``IdentifierEntry``, CLR ``Association``) are
  strings, as both official JSON Schemas require.
* Multi-valued properties are arrays even with one element; ``None`` and empty sequences are
  omitted, never emitted as ``null`` / ``[]``.
* Every property emitted is a term of the document's own contexts (VC 2.0, OB 3.0.3, CLR 2.0.1,
  OB extensions): the signer refuses terms JSON-LD expansion would drop, so the builders never
  produce one.
* Times are timezone-aware ``datetime`` values, written in whole seconds UTC
  (``YYYY-MM-DDTHH:MM:SSZ``); naive ones are refused.

Localised text. Wherever a builder documents a ``Text`` argument, it accepts either a string or a
mapping ``{"fr": "...", "en": "..."}`` (BCP 47 tag -> text). The OB 3.0.3 context defines no
language containers (a language map would expand to nothing and the signer would refuse it), and
both JSON Schemas require ``name``/``description`` to be plain strings, so:

* the main language is the ``language`` argument (``in_language`` for an Achievement), or else the
  first key of the mapping; its text is the property's value;
* an Achievement also states that language in ``inLanguage``, and each other language becomes a
  ``related`` entry: ``{"id": <that edition's IRI>, "type": ["Related"], "inLanguage": "en",
  "name": ..., "description": ...}``. ``related`` is the OB mechanism "primarily intended to
  identify alternate language editions" of an achievement; ``name`` and ``description`` are
  top-level OB terms, so they are signed with it. (``criteria`` is scoped to Achievement and
  cannot be carried by a Related object: the criteria narrative keeps the main language only.)
* other objects (Profile, Alignment, ResultDescription, Evidence, ...) have no ``inLanguage`` in
  the model: they keep the main-language text only.

Evidence digests. The OB context defines no digest term, but the VC 2.0 context, always the first
context of our documents, defines ``digestSRI`` (a W3C Subresource Integrity string such as
``sha256-<base64>``) for exactly this purpose on related resources. :func:`evidence` therefore
emits ``digestSRI`` when given the evidence bytes: a defined, signed term that any SRI tool can
check, instead of overloading ``id`` or ``description``.
"""

from __future__ import annotations

from ._fields import format_datetime
from .achievement import achievement
from .alignment import (
    alignment,
    result,
    result_description,
    rubric_criterion_level,
)
from .clr import (
    association,
    clr_credential,
)
from .credential import (
    achievement_credential,
    achievement_subject,
    issuer_id,
)
from .endorsement import endorsement_credential
from .evidence import evidence
from .identity import (
    identity_matches,
    identity_object_for_email,
    normalise_email,
)
from .profile import (
    identifier_entry,
    image,
    profile,
)

# The builders live in one module per OB 3.0 / CLR 2.0 object; this package re-exports them
# all so that ``from credentials.models import X`` (and ``models.X``) stays the one import.
from .vocabulary import (
    ACHIEVEMENT_CREDENTIAL_SCHEMA,
    ACHIEVEMENT_TYPES,
    ALIGNMENT_TARGET_TYPES,
    ASSOCIATION_TYPES,
    CLR_CONTEXT,
    CLR_CREDENTIAL_SCHEMA,
    DEFAULT_SCHEMAS,
    ENDORSEMENT_CREDENTIAL_SCHEMA,
    EXTENSION_TERMS,
    IDENTIFIER_TYPES,
    JSON_SCHEMA_VALIDATOR,
    OB_CONTEXT,
    OB_EXTENSIONS_CONTEXT,
    RESULT_STATUSES,
    RESULT_TYPES,
    VC_V2_CONTEXT,
    Text,
)

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "ASSOCIATION_TYPES",
    "CLR_CONTEXT",
    "CLR_CREDENTIAL_SCHEMA",
    "DEFAULT_SCHEMAS",
    "ENDORSEMENT_CREDENTIAL_SCHEMA",
    "EXTENSION_TERMS",
    "IDENTIFIER_TYPES",
    "JSON_SCHEMA_VALIDATOR",
    "OB_CONTEXT",
    "OB_EXTENSIONS_CONTEXT",
    "RESULT_STATUSES",
    "RESULT_TYPES",
    "VC_V2_CONTEXT",
    "Text",
    "achievement",
    "achievement_credential",
    "achievement_subject",
    "alignment",
    "association",
    "clr_credential",
    "endorsement_credential",
    "evidence",
    "format_datetime",
    "identifier_entry",
    "identity_matches",
    "identity_object_for_email",
    "image",
    "issuer_id",
    "normalise_email",
    "profile",
    "result",
    "result_description",
    "rubric_criterion_level",
]
