"""Issuing through the VC-API: a caller-built credential, signed by an organisation's key.

``POST /credentials/issue`` (see :mod:`badge_service.vcapi.api`): the caller sends an unsigned
credential naming one of our organisations as issuer; we check it against the VC Data Model's
rules, sign it with that organisation's key, check the result round trip and send it back.
Nothing is stored: the caller built the credential and keeps it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.adapters.keyring import ALGORITHM
from badge_service.errors import FieldError, Forbidden, ServiceError
from badge_service.formats import conformance
from badge_service.organisations.models import Organisation
from credentials import data_integrity, related_resource, schema
from credentials.errors import CredentialsError, UndefinedTermError
from credentials.models import issuer_id as credential_issuer_id

log = logging.getLogger(__name__)


class IssueRefused(ServiceError):
    """The credential cannot be issued as given (VC-API ``/credentials/issue``)."""

    status = 400
    problem = "issue-refused"
    title = "The credential cannot be issued"


VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
#: Defines DataIntegrityProof, cryptosuite and proofValue, which the VC 1.1 context predates.
DI_V2 = "https://w3id.org/security/data-integrity/v2"
ISSUE_OPTIONS = frozenset({"credentialId", "mandatoryPointers", "issuer", "cryptosuite"})
_DATETIME = re.compile(
    r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def organisation_for_issuer(session: Session, keyring: Any,
                            issuer_id: str) -> Organisation | None:
    """The organisation whose issuer id (did:web, or the active key's did:key) is ``issuer_id``."""
    for organisation in session.scalars(select(Organisation).order_by(Organisation.slug)):
        if organisation.did_method == "web":
            if keyring.did_web(organisation) == issuer_id:
                return organisation
            continue
        for info in keyring.key_infos(organisation):
            if info.active and info.algorithm == ALGORITHM \
                    and f"did:key:{info.public_multibase}" == issuer_id:
                return organisation
    return None


def issue_credential(session: Session, actor: Any, keyring: Any, body: Any, *,
                     now: datetime) -> dict[str, Any]:
    """Sign ``body["credential"]`` for the organisation it names as issuer (VC-API).

    ``actor`` None is the operator (loopback conformance mode). Raises :class:`IssueRefused`
    (400) listing every problem found, ``Forbidden`` when the actor may not issue for that
    organisation. Nothing is stored: the caller built the credential and keeps it.
    """
    if not isinstance(body, Mapping):
        raise IssueRefused("the body must be a JSON object {credential, options}")
    unknown = sorted(set(body) - {"credential", "options"})
    errors = [FieldError(f"unknown member {name!r}", field=name) for name in unknown]
    credential = body.get("credential")
    options = body.get("options", {})
    if not isinstance(options, Mapping):
        errors.append(FieldError("must be an object", field="options"))
        options = {}
    errors += [FieldError(f"unknown option {name!r}", field=f"options.{name}")
               for name in sorted(set(options) - ISSUE_OPTIONS)]
    if options.get("mandatoryPointers"):
        errors.append(FieldError("selective disclosure is not supported (both cryptosuites "
                                 "offered sign the whole credential)",
                                 field="options.mandatoryPointers"))
    cryptosuite = options.get("cryptosuite", data_integrity.CRYPTOSUITE)
    if cryptosuite not in data_integrity.CRYPTOSUITES:
        errors.append(FieldError(f"must be one of {', '.join(data_integrity.CRYPTOSUITES)}",
                                 field="options.cryptosuite"))
    if not isinstance(credential, Mapping):
        errors.append(FieldError("give the unsigned credential as a JSON object",
                                 field="credential"))
        raise IssueRefused("the request is not a VC-API issue request", errors)
    credential = json.loads(json.dumps(credential))
    requested = options.get("issuer")
    issuer_id = credential_issuer_id(credential, allow_empty=True)
    if requested is not None:
        if not isinstance(requested, str):
            errors.append(FieldError("must be a string (an issuer id)", field="options.issuer"))
        elif issuer_id is not None and issuer_id != requested:
            errors.append(FieldError(f"differs from credential.issuer {issuer_id!r}",
                                     field="options.issuer"))
        elif "issuer" not in credential:
            credential["issuer"] = requested
            issuer_id = requested
    # VC-API: the id the caller wants the credential to have (it keeps the credential).
    wanted_id = options.get("credentialId")
    if wanted_id is not None:
        if not (isinstance(wanted_id, str) and _URI.match(wanted_id)):
            errors.append(FieldError("must be a URL", field="options.credentialId"))
        elif "id" in credential and credential["id"] != wanted_id:
            errors.append(FieldError(f"differs from credential.id {credential['id']!r}",
                                     field="options.credentialId"))
        else:
            credential["id"] = wanted_id
    if _first_context(credential) == VC_V1:
        if "issuanceDate" not in credential:
            # VCDM 1.1 requires it; like other VC-API issuers, the issue time fills it in.
            credential["issuanceDate"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        contexts = credential["@context"]
        if isinstance(contexts, str):
            contexts = credential["@context"] = [contexts]
        if isinstance(contexts, list) and DI_V2 not in contexts:
            # Without it the proof's own terms are undefined in a VC 1.1 credential (the
            # signature would not cover them); appended, so no term the caller chose moves.
            contexts.append(DI_V2)
    errors += _check_unsigned(credential)
    if errors:
        raise IssueRefused("the credential cannot be issued as given", errors)
    organisation = organisation_for_issuer(session, keyring, issuer_id)
    if organisation is None:
        raise IssueRefused("the issuer is not one of this service's organisations", [FieldError(
            f"{issuer_id!r} is not the issuer id of any organisation here (did:web of the "
            "organisation, or the did:key of its active key)", field="credential.issuer")])
    if not policy.may_issue_for(session, actor, organisation):
        raise Forbidden("only the organisation's coordinators and trainers can issue for it")
    identity = keyring.identity(organisation)
    try:
        signed = data_integrity.add_proof(credential, identity.signer(), created=now,
                                          cryptosuite=cryptosuite)
    except UndefinedTermError as exc:
        raise IssueRefused(f"term {exc.term!r} is not defined by the credential's contexts",
                           [FieldError(exc.detail, field="credential")]) from None
    except CredentialsError as exc:
        raise IssueRefused("the credential cannot be signed",
                           [FieldError(exc.detail, field="credential")]) from None
    except RecursionError:
        raise IssueRefused("the credential is nested too deeply") from None
    except Exception:
        # pyld fails in many ways on hostile JSON-LD; it is the input that is wrong.
        log.warning("JSON-LD processing of a credential to issue failed", exc_info=True)
        raise IssueRefused("the credential cannot be processed as JSON-LD", [FieldError(
            "JSON-LD expansion failed; check @context and the shape of its values",
            field="credential")]) from None
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    open_badge = bool({"OpenBadgeCredential", "AchievementCredential"} & set(types))
    if open_badge:
        violations = schema.validate(signed, "AchievementCredential")
        if violations:
            raise IssueRefused("the credential does not follow the Open Badges 3.0 schema", [
                FieldError(v.message, field="credential" + (v.path.replace("/", ".")
                                                            if v.path else ""))
                for v in violations[:20]])
        # The strict 1EdTech schema variant wants the proof as an array (same signature).
        signed = conformance.as_proof_set(signed)
    # The caller chose the dates (a credential valid from tomorrow may be issued); the rest
    # must verify round trip before it is sent.
    conformance.check(signed, identity=identity, now=now,
                      kind=conformance.ACHIEVEMENT if open_badge else None,
                      what="the credential", check_dates=False)
    log.info("VC-API issued %s for %s (actor %s)", signed.get("id", "a credential without id"),
             organisation.slug, getattr(actor, "email", "loopback operator"))
    return signed


def _first_context(credential: Mapping[str, Any]) -> Any:
    contexts = credential.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    return contexts[0] if contexts else None


def _check_unsigned(credential: Mapping[str, Any]) -> list[FieldError]:
    """The VC Data Model's rules a credential must meet before we sign it."""
    errors: list[FieldError] = []

    def bad(field_name: str, message: str) -> None:
        errors.append(FieldError(message, field=f"credential.{field_name}"))

    if "@context" not in credential:
        bad("@context", "is required")
    elif _first_context(credential) not in (VC_V2, VC_V1):
        bad("@context", f"the first context must be {VC_V2} (or {VC_V1})")
    elif not all(isinstance(c, str | dict) for c in (credential["@context"]
                                                      if isinstance(credential["@context"], list)
                                                      else [credential["@context"]])):
        bad("@context", "must be URLs or context objects")
    types = credential.get("type")
    if types is None:
        bad("type", "is required")
    else:
        listed = types if isinstance(types, list) else [types]
        if not all(isinstance(t, str) and t for t in listed):
            bad("type", "must be a string or an array of strings")
        elif "VerifiableCredential" not in listed:
            bad("type", "must include VerifiableCredential")
    if "proof" in credential:
        bad("proof", "the credential is already signed; send it without proof")
    if "id" in credential and not (isinstance(credential["id"], str)
                                   and _URI.match(credential["id"])):
        bad("id", "must be a URL")
    issuer = credential.get("issuer")
    issuer_id = credential_issuer_id(credential, allow_empty=True)
    if issuer is None:
        bad("issuer", "is required (or give options.issuer)")
    elif issuer_id is None or not _URI.match(issuer_id):
        bad("issuer", "must be a URL, or an object whose id is a URL")
    subjects = credential.get("credentialSubject")
    listed_subjects = subjects if isinstance(subjects, list) else [subjects]
    if subjects is None:
        bad("credentialSubject", "is required")
    elif not listed_subjects or not all(isinstance(s, Mapping) and s for s in listed_subjects):
        bad("credentialSubject", "must be a non-empty object (or array of objects)")
    else:
        for position, subject in enumerate(listed_subjects):
            if "id" in subject and not (isinstance(subject["id"], str)
                                        and _URI.match(subject["id"])):
                bad(f"credentialSubject[{position}].id", "must be a URL")
    names = ("validFrom", "validUntil") if _first_context(credential) == VC_V2 else (
        "issuanceDate", "expirationDate")
    for name in names:
        if name in credential and not (isinstance(credential[name], str)
                                       and _DATETIME.match(credential[name])):
            bad(name, "must be a date-time with a time zone, e.g. 2026-01-31T12:00:00Z")
    for name in ("credentialStatus", "credentialSchema", "evidence", "termsOfUse",
                 "refreshService"):
        if name not in credential:
            continue
        values = credential[name] if isinstance(credential[name], list) else [credential[name]]
        if not all(isinstance(v, Mapping) and isinstance(v.get("type"), str | list)
                   for v in values):
            bad(name, "each entry must be an object with a type")
        elif name in ("credentialStatus", "credentialSchema") and not all(
                isinstance(v.get("id"), str) and _URI.match(v["id"]) for v in values
                if name == "credentialSchema" or "id" in v):
            bad(name, "id must be a URL")
    for name in ("name", "description"):
        if name in credential and not _language_value(credential[name]):
            bad(name, "must be a string or language value objects {@value, @language}")
    # Before signing: a credential must not pin digests of a context other than the one it is
    # signed and verified with (a bundled resource's digest is recomputed from its bytes).
    errors += [FieldError(finding.detail, field=f"credential.{finding.field}")
               for finding in related_resource.check(credential) if not finding.ok]
    return errors


def _language_value(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, Mapping):
        return isinstance(value.get("@value"), str)
    if isinstance(value, list):
        return bool(value) and all(_language_value(v) and not isinstance(v, list) for v in value)
    return False
