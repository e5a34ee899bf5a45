"""Plain language (French and English): every verdict, check and problem explained.

Kept as data, together, so that they can become Flask-Babel catalogues (a later issue) without
touching the logic that picks them; the functions below only choose among them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badge_service.keys.service import GENERAL as COMPROMISED_TEXTS
from badge_service.keys.service import KEY_COMPROMISED
from badge_service.keys.service import explain as explain_compromise
from credentials.verify import VERDICTS

#: Verdicts beyond the library's: nothing could be retrieved at a URL.
UNAVAILABLE = "unavailable"
ALL_VERDICTS = (*VERDICTS, UNAVAILABLE)


def in_language(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


RECIPIENT_NOTE = {
    "en": "Name supplied by the issuer, not part of the signed credential (which identifies "
          "its holder by a hash of their email address).",
    "fr": "Nom fourni par l'émetteur, hors badge signé (celui-ci identifie son titulaire par "
          "l'empreinte de son adresse e-mail).",
}
EMAIL_YES = {"en": "This credential was issued to {email}: yes.",
             "fr": "Ce badge a été délivré à {email} : oui."}
EMAIL_NO = {"en": "This credential was issued to {email}: no (or to another address of theirs).",
            "fr": "Ce badge a été délivré à {email} : non (ou à une autre de ses adresses)."}
EMAIL_UNKNOWN = {"en": "The credential does not name its holder by email, so the address cannot "
                       "be checked.",
                 "fr": "Le badge ne désigne pas son titulaire par une adresse e-mail : "
                       "impossible de vérifier l'adresse."}
EMAIL_UNTRUSTED = {"en": "The address was not checked: the credential itself cannot be trusted.",
                   "fr": "L'adresse n'a pas été vérifiée : le badge lui-même n'est pas fiable."}

VERDICT_TEXTS: dict[str, dict[str, str]] = {
    "valid": {"en": "Valid: this credential is genuine, unchanged since it was issued, and "
                    "currently valid.",
              "fr": "Valide : ce badge est authentique, n'a pas été modifié depuis sa "
                    "délivrance et est actuellement valide."},
    "revoked": {"en": "Revoked: the issuer has withdrawn this credential for good.",
                "fr": "Révoqué : l'émetteur a retiré ce badge définitivement."},
    "suspended": {"en": "Suspended: the issuer has suspended this credential for now; it may "
                        "be reinstated.",
                  "fr": "Suspendu : l'émetteur a suspendu ce badge pour le moment ; il pourra "
                        "être rétabli."},
    "expired": {"en": "Expired: this credential is genuine but its validity period has ended.",
                "fr": "Expiré : ce badge est authentique mais sa période de validité est "
                      "terminée."},
    "not-yet-valid": {"en": "Not yet valid: this credential only becomes valid at a later date.",
                      "fr": "Pas encore valide : ce badge ne sera valide qu'à une date "
                            "ultérieure."},
    "tampered": {"en": "Tampered: the content does not match the issuer's signature; it was "
                       "changed after it was issued, or it is a forgery.",
                 "fr": "Falsifié : le contenu ne correspond pas à la signature de l'émetteur ; "
                       "il a été modifié après sa délivrance, ou c'est un faux."},
    "unknown-issuer": {"en": "Unknown issuer: we could not confirm who signed this credential.",
                       "fr": "Émetteur inconnu : impossible de confirmer qui a signé ce badge."},
    "malformed": {"en": "Unreadable: this is not a credential we can read.",
                  "fr": "Illisible : ce n'est pas un badge que nous savons lire."},
    "invalid": {"en": "Not valid: at least one check failed.",
                "fr": "Non valide : au moins une vérification a échoué."},
    UNAVAILABLE: {"en": "Not found: no credential could be retrieved from this address.",
                  "fr": "Introuvable : aucun badge n'a pu être récupéré à cette adresse."},
}

VERDICT_LABELS: dict[str, dict[str, str]] = {
    "valid": {"en": "Valid", "fr": "Valide"},
    "revoked": {"en": "Revoked", "fr": "Révoqué"},
    "suspended": {"en": "Suspended", "fr": "Suspendu"},
    "expired": {"en": "Expired", "fr": "Expiré"},
    "not-yet-valid": {"en": "Not yet valid", "fr": "Pas encore valide"},
    "tampered": {"en": "Tampered", "fr": "Falsifié"},
    "unknown-issuer": {"en": "Unknown issuer", "fr": "Émetteur inconnu"},
    "malformed": {"en": "Unreadable", "fr": "Illisible"},
    "invalid": {"en": "Not valid", "fr": "Non valide"},
    UNAVAILABLE: {"en": "Not found", "fr": "Introuvable"},
}

CHECK_TITLES: dict[str, dict[str, str]] = {
    "parse": {"en": "Reading", "fr": "Lecture"},
    "fetch": {"en": "Retrieval", "fr": "Récupération"},
    "file": {"en": "File", "fr": "Fichier"},
    "contexts": {"en": "Vocabulary", "fr": "Vocabulaire"},
    "types": {"en": "Kind of credential", "fr": "Type de document"},
    "schema": {"en": "Open Badges format", "fr": "Format Open Badges"},
    "proof": {"en": "Signature", "fr": "Signature"},
    "issuer": {"en": "Issuer", "fr": "Émetteur"},
    "validity": {"en": "Validity dates", "fr": "Dates de validité"},
    "status": {"en": "Revocation status", "fr": "Statut (révocation)"},
    "endorsements": {"en": "Endorsements", "fr": "Recommandations"},
    "credentials": {"en": "Credentials presented", "fr": "Badges présentés"},
    "verification": {"en": "Verification", "fr": "Vérification"},
}

PASSED: dict[str, dict[str, str]] = {
    "parse": {"en": "It contains a credential we can read.",
              "fr": "Il contient un badge lisible."},
    "contexts": {"en": "It uses the standard vocabularies (W3C Verifiable Credentials, Open "
                       "Badges).",
                 "fr": "Il utilise les vocabulaires standard (W3C Verifiable Credentials, Open "
                       "Badges)."},
    "types": {"en": "It is a verifiable credential of a recognised kind.",
              "fr": "C'est une attestation vérifiable d'un type reconnu."},
    "schema": {"en": "Its content follows the Open Badges 3.0 format.",
               "fr": "Son contenu respecte le format Open Badges 3.0."},
    "proof": {"en": "The digital signature is intact: nothing was changed after signing.",
              "fr": "La signature numérique est intacte : rien n'a été modifié après la "
                    "signature."},
    "issuer": {"en": "The signing key belongs to the issuer named in the credential.",
               "fr": "La clé de signature appartient bien à l'émetteur indiqué dans le badge."},
    "validity": {"en": "Today is within its validity period.",
                 "fr": "La date du jour est dans sa période de validité."},
    "status": {"en": "The issuer has neither revoked nor suspended it.",
               "fr": "L'émetteur ne l'a ni révoqué ni suspendu."},
    "endorsements": {"en": "Its endorsements are genuine.",
                     "fr": "Ses recommandations sont authentiques."},
    "credentials": {"en": "Every credential presented was verified.",
                    "fr": "Chaque badge présenté a été vérifié."},
}

SKIPPED: dict[str, dict[str, str]] = {
    "types": {"en": "It is a verifiable credential, but not an Open Badge.",
              "fr": "C'est une attestation vérifiable, mais pas un Open Badge."},
    "schema": {"en": "No Open Badges format applies to this kind of credential.",
               "fr": "Aucun format Open Badges ne s'applique à ce type d'attestation."},
    "status": {"en": "The credential has no revocation status: its issuer cannot revoke it.",
               "fr": "Le badge n'a pas de statut de révocation : son émetteur ne peut pas le "
                     "révoquer."},
    "proof": {"en": "The presentation itself is not signed; the credentials it carries were "
                    "checked.",
              "fr": "La présentation elle-même n'est pas signée ; les badges qu'elle contient "
                    "ont été vérifiés."},
    "endorsements": {"en": "Endorsements nested in endorsements are not checked.",
                     "fr": "Les recommandations imbriquées ne sont pas vérifiées."},
}
NOT_APPLICABLE = {"en": "This check did not apply.", "fr": "Cette vérification ne s'applique pas."}
FAILED = {"en": "This check failed.", "fr": "Cette vérification a échoué."}

_STATUS_UNKNOWN = {
    "en": "Its revocation status could not be checked: {why}. It may have been revoked.",
    "fr": "Son statut de révocation n'a pas pu être vérifié : {why}. Il a pu être révoqué.",
}
STATUS_REASONS = {
    "status-list-unavailable": {"en": "the issuer's status list could not be retrieved (the "
                                      "site did not answer, or its address is not allowed)",
                                "fr": "la liste de statuts de l'émetteur n'a pas pu être "
                                      "récupérée (site injoignable, ou adresse non autorisée)"},
    "status-list-invalid": {"en": "the issuer's status list is invalid or not signed by the "
                                  "issuer",
                            "fr": "la liste de statuts de l'émetteur est invalide ou n'est pas "
                                  "signée par l'émetteur"},
    "status-list-expired": {"en": "the issuer's status list is out of date",
                            "fr": "la liste de statuts de l'émetteur n'est plus à jour"},
    "status-purpose-mismatch": {"en": "the status entry does not match the issuer's list",
                                "fr": "l'entrée de statut ne correspond pas à la liste de "
                                      "l'émetteur"},
    "status-index-out-of-range": {"en": "the status entry points outside the issuer's list",
                                  "fr": "l'entrée de statut pointe hors de la liste de "
                                        "l'émetteur"},
    "status-entry-invalid": {"en": "the status entry in the credential is invalid",
                             "fr": "l'entrée de statut du badge est invalide"},
    "status-type-unsupported": {"en": "it uses a kind of status this verifier does not support",
                                "fr": "il utilise un type de statut que ce vérificateur ne "
                                      "connaît pas"},
    "revocation-list-unsupported": {"en": "it uses a kind of status this verifier does not "
                                          "support",
                                    "fr": "il utilise un type de statut que ce vérificateur ne "
                                          "connaît pas"},
    "status-not-checked": {"en": "no status source was available",
                           "fr": "aucune source de statut n'était disponible"},
}

_SIGNATURE_BROKEN = {
    "en": "The signature is missing or malformed.",
    "fr": "La signature est absente ou mal formée.",
}
_SIGNATURE_UNSUPPORTED = {
    "en": "The signature uses a method this verifier does not support.",
    "fr": "La signature utilise une méthode que ce vérificateur ne connaît pas.",
}
_NOT_AUTHORISED = {
    "en": "The key that signed it is not authorised by the issuer to issue credentials.",
    "fr": "La clé qui l'a signé n'est pas autorisée par l'émetteur à délivrer des badges.",
}
_KEY_NOT_FOUND = {
    "en": "The issuer's public key could not be found, so the signature cannot be checked.",
    "fr": "La clé publique de l'émetteur est introuvable : la signature ne peut pas être "
          "vérifiée.",
}

PROBLEM_TEXTS: dict[str, dict[str, str]] = {
    "malformed-input": {"en": "The content is not a well-formed credential.",
                        "fr": "Le contenu n'est pas un badge bien formé."},
    "input-too-large": {"en": "The content is too large or too deeply nested to be a credential.",
                        "fr": "Le contenu est trop volumineux ou trop imbriqué pour être un "
                              "badge."},
    "malformed-encoding": {"en": "Part of the content is not correctly encoded.",
                           "fr": "Une partie du contenu n'est pas correctement encodée."},
    "baking-failed": {"en": "The image does not contain a readable credential.",
                      "fr": "L'image ne contient pas de badge lisible."},
    "signature-mismatch": {"en": "The signature does not match the content: the credential was "
                                 "changed after it was signed.",
                           "fr": "La signature ne correspond pas au contenu : le badge a été "
                                 "modifié après sa signature."},
    "undefined-term": {"en": "It contains fields the signature does not cover; they may have "
                             "been added after signing.",
                       "fr": "Il contient des champs que la signature ne couvre pas ; ils ont "
                             "pu être ajoutés après la signature."},
    "unbound-form": {"en": "It is written in an unusual form in which what this page would "
                           "read is not certainly what was signed, so it is not accepted.",
                     "fr": "Il est rédigé sous une forme inhabituelle où ce qui serait lu ici "
                           "n'est pas à coup sûr ce qui a été signé : il n'est donc pas "
                           "accepté."},
    "context-mismatch": {"en": "The signature was made over other vocabularies than the "
                               "credential declares.",
                         "fr": "La signature porte sur d'autres vocabulaires que ceux déclarés "
                               "par le badge."},
    "invalid-jwt": {"en": "The signed token (JWT) is invalid: its signature does not match, or "
                          "it is malformed.",
                    "fr": "Le jeton signé (JWT) est invalide : sa signature ne correspond pas, "
                          "ou il est mal formé."},
    "invalid-proof": _SIGNATURE_BROKEN,
    "missing-proof": {"en": "The credential is not signed.", "fr": "Le badge n'est pas signé."},
    "malformed-proof": _SIGNATURE_BROKEN,
    "malformed-proof-value": _SIGNATURE_BROKEN,
    "unsupported-proof-type": _SIGNATURE_UNSUPPORTED,
    "unsupported-cryptosuite": _SIGNATURE_UNSUPPORTED,
    "wrong-key-type": _SIGNATURE_UNSUPPORTED,
    "canonicalization-failed": {"en": "The content could not be prepared for checking its "
                                      "signature.",
                                "fr": "Le contenu n'a pas pu être préparé pour vérifier sa "
                                      "signature."},
    "unknown-context": {"en": "It uses a vocabulary this verifier does not know, so its meaning "
                              "cannot be checked.",
                        "fr": "Il utilise un vocabulaire que ce vérificateur ne connaît pas : "
                              "son sens ne peut pas être vérifié."},
    "resolution-failed": _KEY_NOT_FOUND,
    "key-error": _KEY_NOT_FOUND,
    "unknown-key": {"en": "The signing key is not among the issuer's keys.",
                    "fr": "La clé de signature ne fait pas partie des clés de l'émetteur."},
    "fetch-failed": {"en": "The issuer's public key could not be retrieved (the issuer's site "
                           "did not answer, or its address is not allowed).",
                     "fr": "La clé publique de l'émetteur n'a pas pu être récupérée (site de "
                           "l'émetteur injoignable, ou adresse non autorisée)."},
    "controller-mismatch": {"en": "The key that signed it does not belong to the issuer named in "
                                  "it.",
                            "fr": "La clé qui l'a signé n'appartient pas à l'émetteur qui y est "
                                  "indiqué."},
    "purpose-not-authorized": _NOT_AUTHORISED,
    "wrong-proof-purpose": _NOT_AUTHORISED,
    "revoked": {"en": "The issuer has revoked it.", "fr": "L'émetteur l'a révoqué."},
    "suspended": {"en": "The issuer has suspended it.", "fr": "L'émetteur l'a suspendu."},
    "status-set": {"en": "The issuer has set a status flag on it that this verifier cannot "
                         "interpret.",
                   "fr": "L'émetteur lui a attribué un statut que ce vérificateur ne sait pas "
                         "interpréter."},
    "expired": {"en": "Its validity period has ended.",
                "fr": "Sa période de validité est terminée."},
    "not-yet-valid": {"en": "It is not valid yet.", "fr": "Il n'est pas encore valide."},
    "schema-invalid": {"en": "Its content does not follow the Open Badges 3.0 format.",
                       "fr": "Son contenu ne respecte pas le format Open Badges 3.0."},
    "invalid-endorsement": {"en": "One of its endorsements does not verify.",
                            "fr": "Une de ses recommandations n'est pas authentique."},
    "unknown-issuer": {"en": "The issuer could not be confirmed.",
                       "fr": "L'émetteur n'a pas pu être confirmé."},
    KEY_COMPROMISED: COMPROMISED_TEXTS,
    # Our own problems, before the credential could be read.
    "not-a-url": {"en": "This is not a web address. Give the credential's address, starting "
                        "with https://.",
                  "fr": "Ce n'est pas une adresse web. Donnez l'adresse du badge, qui commence "
                        "par https://."},
    "unknown-credential": {"en": "This service has issued no credential at this address.",
                           "fr": "Ce service n'a délivré aucun badge à cette adresse."},
    "unavailable": {"en": "No credential could be retrieved from this address (the site did not "
                          "answer, the page does not exist, or the address is not allowed).",
                    "fr": "Aucun badge n'a pu être récupéré à cette adresse (site injoignable, "
                          "page inexistante, ou adresse non autorisée)."},
    "web-page": {"en": "This address leads to a web page, not to a credential. Ask the holder "
                       "for the credential file or its direct link.",
                 "fr": "Cette adresse mène à une page web, pas à un badge. Demandez au "
                       "titulaire le fichier du badge ou son lien direct."},
    "too-large": {"en": "The file is too large.", "fr": "Le fichier est trop volumineux."},
    "unsupported-file": {"en": "This kind of file is not supported: upload a JSON, JWT, PNG, "
                               "SVG or PDF file.",
                         "fr": "Ce type de fichier n'est pas pris en charge : déposez un fichier "
                               "JSON, JWT, PNG, SVG ou PDF."},
    "no-attachment": {"en": "This PDF does not carry a readable credential. Only certificates "
                            "issued by this service carry one.",
                      "fr": "Ce PDF ne contient pas de badge lisible. Seuls les certificats "
                            "délivrés par ce service en contiennent un."},
    "verification-error": {"en": "An unexpected problem prevented the verification; please try "
                                 "again later.",
                           "fr": "Un problème inattendu a empêché la vérification ; réessayez "
                                 "plus tard."},
    "challenge-mismatch": {"en": "The presentation was not made for this request: it does not "
                                 "carry the expected challenge (it may be a replay).",
                           "fr": "La présentation n'a pas été faite pour cette demande : elle ne "
                                 "porte pas le défi attendu (ce peut être un rejeu)."},
    "domain-mismatch": {"en": "The presentation was made for another site: it does not carry the "
                              "expected domain.",
                        "fr": "La présentation a été faite pour un autre site : elle ne porte pas "
                              "le domaine attendu."},
    "unsigned-presentation": {"en": "The presentation itself is not signed: it does not prove who "
                                    "presents the credentials; only the credentials count.",
                              "fr": "La présentation elle-même n'est pas signée : elle ne prouve "
                                    "pas qui présente les badges ; seuls les badges comptent."},
    "related-resource-mismatch": {"en": "A resource the credential relies on is not the one its "
                                        "issuer described (its digest differs).",
                                  "fr": "Une ressource dont dépend le badge n'est pas celle que "
                                        "son émetteur a décrite (son empreinte diffère)."},
}


PRESENTATION_VALID = {
    "en": "Valid presentation: signed by its holder, but it contains no credential; it proves "
          "who presented it, nothing more.",
    "fr": "Présentation valide : signée par son titulaire, mais elle ne contient aucun badge ; "
          "elle prouve qui l'a présentée, rien de plus.",
}


def verdict_text(verdict: str, language: str) -> str:
    return in_language(VERDICT_TEXTS.get(verdict, VERDICT_TEXTS["invalid"]), language)


def verdict_label(verdict: str, language: str) -> str:
    return in_language(VERDICT_LABELS.get(verdict, VERDICT_LABELS["invalid"]), language)


def check_title(name: str, language: str) -> str:
    texts = CHECK_TITLES.get(name)
    return in_language(texts, language) if texts else name


def explain_problem(slug: str, language: str) -> str:
    if slug in STATUS_REASONS:
        why = in_language(STATUS_REASONS[slug], language)
        return in_language(_STATUS_UNKNOWN, language).format(why=why)
    texts = PROBLEM_TEXTS.get(slug)
    return in_language(texts, language) if texts else in_language(FAILED, language)


def explain(problem: Any, language: str) -> str:
    """A problem's explanation; a compromised key's gives the date the issuer reported it."""
    if problem.type == KEY_COMPROMISED:
        return explain_compromise(problem.detail, language)
    return explain_problem(problem.type, language)


def problem_slugs() -> list[str]:
    """Every problem we explain (the help page lists them; VC-API problem types link there)."""
    return sorted({*PROBLEM_TEXTS, *STATUS_REASONS})


def explain_check(name: str, passed: bool | None, error: Any, warning: Any,
                   language: str) -> str:
    if passed is True:
        return in_language(PASSED.get(name, NOT_APPLICABLE), language)
    if passed is False:
        return explain(error, language) if error is not None else in_language(FAILED, language)
    if warning is not None:
        return explain_problem(warning.type, language)
    return in_language(SKIPPED.get(name, NOT_APPLICABLE), language)
