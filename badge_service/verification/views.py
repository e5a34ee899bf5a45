"""The public verification page: anyone (an employer, no account) checks credentials.

``/verify`` takes pasted URLs (one per line), uploaded files and an optional email, and shows
one result card per credential, in French or English (``?lang=``, else the browser's
Accept-Language). ``/verify?url=…`` verifies at once: the public credential page and the QR code
of a printed certificate link there. ``/verify/help`` explains every verdict and problem; the
VC-API's problem types point to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, render_template, request

from badge_service.clock import utcnow
from badge_service.edge.language import configured_language, request_language
from badge_service.edge.ratelimit import limited
from badge_service.errors import ServiceError
from badge_service.locale import text_of
from badge_service.verification import service
from badge_service.verification.forms import (
    current_fetcher,
    local_documents,
    read_upload,
    uploaded_files,
)

bp = Blueprint("verification", __name__, template_folder="templates")

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
}

UI = {
    "title": {"en": "Verify a credential", "fr": "Vérifier un badge"},
    "intro": {"en": "Check that an Open Badge or digital credential is genuine and still valid. "
                    "No account is needed. Paste its web address (or the address of the QR code "
                    "on a printed certificate), or upload the file you received: JSON, JWT, "
                    "badge image (PNG, SVG) or PDF certificate.",
              "fr": "Vérifiez qu'un Open Badge ou une attestation numérique est authentique et "
                    "toujours valide, sans compte. Collez son adresse web (ou celle du QR code "
                    "d'un certificat imprimé), ou déposez le fichier reçu : JSON, JWT, image "
                    "du badge (PNG, SVG) ou certificat PDF."},
    "urls": {"en": "Credential addresses (one per line)",
             "fr": "Adresses des badges (une par ligne)"},
    "files": {"en": "Or files (up to {n}, {size} each)",
              "fr": "Ou des fichiers (jusqu'à {n}, {size} chacun)"},
    "email": {"en": "Optional: the holder's email address, to check it was issued to them",
              "fr": "Facultatif : l'adresse e-mail du titulaire, pour vérifier qu'il lui a été "
                    "délivré"},
    "submit": {"en": "Verify", "fr": "Vérifier"},
    "results": {"en": "Results", "fr": "Résultats"},
    "none": {"en": "Nothing to verify.", "fr": "Rien à vérifier."},
    "issuer": {"en": "Issuer", "fr": "Émetteur"},
    "achievement": {"en": "Achievement", "fr": "Réussite"},
    "recipient": {"en": "Issued to", "fr": "Délivré à"},
    "issued": {"en": "Valid from", "fr": "Début de validité"},
    "expires": {"en": "Valid until", "fr": "Fin de validité"},
    "no_expiry": {"en": "no end date", "fr": "aucune (sans date de fin)"},
    "ours": {"en": "Issued by this service.", "fr": "Délivré par ce service."},
    "checks": {"en": "What was checked", "fr": "Ce qui a été vérifié"},
    "technical": {"en": "Technical detail", "fr": "Détail technique"},
    "warnings": {"en": "Notes", "fr": "Remarques"},
    "passed": {"en": "passed", "fr": "réussi"},
    "failed": {"en": "failed", "fr": "échoué"},
    "skipped": {"en": "not applicable", "fr": "sans objet"},
    "source": {"en": "Checked", "fr": "Vérifié"},
    "id": {"en": "Credential id", "fr": "Identifiant du badge"},
    "help": {"en": "What the verdicts mean", "fr": "Signification des résultats"},
    "other_language": {"en": "Français", "fr": "English"},
    "help_intro": {"en": "Every verification gives one of these verdicts, and explains each "
                         "check. Problems are listed below with their identifiers (used by the "
                         "API).",
                   "fr": "Chaque vérification donne l'un de ces résultats et explique chaque "
                         "contrôle. Les problèmes sont listés ci-dessous avec leur identifiant "
                         "(utilisé par l'API)."},
    "verdicts": {"en": "Verdicts", "fr": "Résultats"},
    "problems": {"en": "Problems", "fr": "Problèmes"},
    "back": {"en": "Verify a credential", "fr": "Vérifier un badge"},
}


def text(key: str, language: str, **values: Any) -> str:
    return text_of(UI, key, language, **values)


def format_date(value: str | None, language: str) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{moment.day} {MONTHS[language][moment.month - 1]} {moment.year}"


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


@bp.route("/verify", methods=["GET", "POST"])
@limited("verify")
def public_verify() -> Any:
    language = request_language(request.values.get("lang"), fallback=configured_language())
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    urls_text = request.values.get("urls", "") if request.method == "POST" else \
        request.args.get("url", "")
    email = (request.values.get("email") or "").strip()[:320]
    reports = None
    problem = None
    status = 200
    if request.method == "POST" or request.args.get("url"):
        urls = service.urls_from_text(urls_text)
        files = uploaded_files() if request.method == "POST" else []
        try:
            service.check_counts(urls, len(files))
            inputs = [service.Input.url(u) for u in urls]
            inputs += [service.Input.file(f.filename or "file", read_upload(f, limit))
                       for f in files]
            now = utcnow()
            reports = service.verify_any(inputs, now=now, fetcher=current_fetcher(),
                                         local=local_documents(now), email=email or None,
                                         language=language, max_bytes=limit)
        except ServiceError as exc:
            problem = exc
            status = exc.status
    return render_template(
        "verification/verify.html", language=language, t=lambda key, **v: text(key, language, **v),
        urls_text=urls_text, email=email, reports=reports, problem=problem,
        max_files=service.MAX_FILES, max_size=_human_size(limit),
        verdict_label=lambda v: service.verdict_label(v, language),
        date=lambda v: format_date(v, language),
        other_language="en" if language == "fr" else "fr"), status


@bp.get("/verify/help")
def public_help() -> Any:
    language = request_language(request.values.get("lang"), fallback=configured_language())
    verdicts = [(v, service.verdict_label(v, language), service.verdict_text(v, language))
                for v in service.ALL_VERDICTS]
    slugs = service.problem_slugs()
    problems = [(slug, service.explain_problem(slug, language)) for slug in slugs]
    return render_template(
        "verification/help.html", language=language, t=lambda key, **v: text(key, language, **v),
        verdicts=verdicts, problems=problems,
        other_language="en" if language == "fr" else "fr")
