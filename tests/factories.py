"""Realistic example credentials for tests and the benchmark (importable without pytest).

The example is a DigCompEdu area-2 badge ("Digital resources") at level B1: three alignments to
the competences 2.1, 2.2 and 2.3 as CASE items, a rubric result description with the six levels
A1..C2 and a result at B1, evidence with a digest, and French/English text. Framework URIs are
those of ``../shared/fixtures/frameworks/digcompedu.json``, recomputed here from the uuid5 scheme
its README documents so that this module does not need the shared folder (the tests check the
two agree). Everything is deterministic: same arguments, same credential.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from credentials import models

#: did:key of the W3C vc-di-eddsa test-vector key (``keyPair.json``), a harmless default issuer.
DEFAULT_ISSUER_ID = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
DEFAULT_NOW = datetime(2025, 10, 6, 9, 30, tzinfo=UTC)
DEFAULT_EMAIL = "claire.dubois@ecole-exemple.example"
DEFAULT_SALT = "6a1f0c0e9d5b4b7e8c2a3f4d5e6b7a8c"
SERVICE = "https://badges.example.org"

_CASE = "https://case.example.org/ims/case/v1p1"
_DIGCOMPEDU_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://case.example.org/frameworks/digcompedu-2017")
DIGCOMPEDU_FRAMEWORK = "DigCompEdu (European Framework for the Digital Competence of Educators)"

COMPETENCES = {
    "2.1": ("Sélection de ressources numériques", "Selecting digital resources"),
    "2.2": ("Création et modification de contenus numériques",
            "Creating and modifying digital content"),
    "2.3": ("Gestion, protection et partage de ressources numériques",
            "Managing, protecting and sharing digital resources"),
}
LEVELS = {
    "A1": ("Nouveau venu (A1)", "Newcomer (A1)"),
    "A2": ("Explorateur (A2)", "Explorer (A2)"),
    "B1": ("Intégrateur (B1)", "Integrator (B1)"),
    "B2": ("Expert (B2)", "Expert (B2)"),
    "C1": ("Leader (C1)", "Leader (C1)"),
    "C2": ("Pionnier (C2)", "Pioneer (C2)"),
}
EVIDENCE_CONTENT = (
    "Portfolio — séquence « Sources fiables » (3e) : sélection argumentée de 12 ressources, "
    "adaptation sous licence CC BY-SA, partage sur l'ENT avec droits d'accès.\n"
).encode()


def case_uri(kind: str, key: str) -> str:
    """URI of a DigCompEdu fixture object, e.g. ``case_uri("CFItems", "item:competence:2.1")``."""
    return f"{_CASE}/{kind}/{uuid.uuid5(_DIGCOMPEDU_NS, key)}"


def competence_uri(code: str) -> str:
    return case_uri("CFItems", f"item:competence:{code}")


def level_uri(code: str) -> str:
    return case_uri("CFItems", f"item:level:{code}")


def make_issuer(issuer_id: str = DEFAULT_ISSUER_ID) -> dict[str, Any]:
    return models.profile(
        issuer_id,
        {"fr": "Centre de formation NUMEFA (exemple)", "en": "NUMEFA training centre (example)"},
        url=f"{SERVICE}/",
        email="badges@example.org",
        image=models.image(f"{SERVICE}/images/issuer.png", "Logo du centre de formation"),
        description={"fr": "Organisme de formation des enseignants (données fictives).",
                     "en": "Teacher-training organisation (fictitious data)."},
    )


def make_achievement(achievement_id: str = f"{SERVICE}/achievements/digcompedu-2-b1") -> dict:
    rd_id = f"{achievement_id}/results/digcompedu-level"
    levels = [
        models.rubric_criterion_level(
            level_uri(code), {"fr": fr, "en": en}, level=code, points=str(points)
        )
        for points, (code, (fr, en)) in enumerate(LEVELS.items(), start=1)
    ]
    return models.achievement(
        achievement_id,
        {"fr": "Ressources numériques — niveau Intégrateur (B1)",
         "en": "Digital resources — Integrator level (B1)"},
        {"fr": "Sélectionner, créer, adapter, gérer et partager des ressources éducatives "
               "numériques (DigCompEdu, domaine 2).",
         "en": "Selecting, creating, adapting, managing and sharing digital educational "
               "resources (DigCompEdu, area 2)."},
        {"fr": "Portfolio validé par un formateur : niveau **B1** atteint sur les compétences "
               "2.1, 2.2 et 2.3.",
         "en": "Portfolio validated by a trainer: level **B1** reached on competences 2.1, "
               "2.2 and 2.3."},
        f"{achievement_id}/criteria",
        achievement_type="Competency",
        image=models.image(f"{SERVICE}/images/digcompedu-2-b1.png", "Badge DigCompEdu 2 — B1"),
        in_language="fr",
        language_editions={"en": f"{achievement_id}?lang=en"},
        alignments=[
            models.alignment(
                {"fr": fr, "en": en},
                competence_uri(code),
                target_type="CFItem",
                target_framework=DIGCOMPEDU_FRAMEWORK,
                target_code=code,
            )
            for code, (fr, en) in COMPETENCES.items()
        ],
        result_descriptions=[
            models.result_description(
                rd_id,
                {"fr": "Niveau de maîtrise DigCompEdu", "en": "DigCompEdu proficiency level"},
                "RubricCriterionLevel",
                rubric_criterion_levels=levels,
                required_level=level_uri("B1"),
                alignments=[models.alignment(
                    "DigCompEdu progression model applied to each competence",
                    case_uri("CFRubrics", "rubric:progression"),
                    target_type="CFRubric",
                    target_framework=DIGCOMPEDU_FRAMEWORK,
                )],
            )
        ],
        tags=["DigCompEdu", "numérique éducatif"],
        field_of_study="Éducation",
        human_code="DCE-2-B1",
    )


def make_credential(
    *,
    issuer_id: str = DEFAULT_ISSUER_ID,
    credential_id: str | None = None,
    now: datetime = DEFAULT_NOW,
    valid_until: datetime | None = None,
    email: str = DEFAULT_EMAIL,
    salt: str = DEFAULT_SALT,
    subject_id: str | None = None,
    credential_status: dict[str, Any] | None = None,
    credential_schema: tuple[str, ...] = models.DEFAULT_SCHEMAS,
) -> dict[str, Any]:
    """An unsigned DigCompEdu badge credential (3 alignments, result at B1, evidence, FR/EN)."""
    if credential_id is None:
        credential_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{issuer_id}|{email}|{now}')}"
    ach = make_achievement()
    rd = ach["resultDescription"][0]
    subject = models.achievement_subject(
        ach,
        id=subject_id,
        identifiers=[models.identity_object_for_email(email, salt=salt)],
        results=[models.result(rd, level_uri("B1"), status="Completed")],
        activity_start_date=now - timedelta(days=90),
        activity_end_date=now - timedelta(days=7),
    )
    return models.achievement_credential(
        credential_id,
        make_issuer(issuer_id),
        subject,
        valid_from=now,
        valid_until=valid_until,
        awarded_date=now,
        evidence=[models.evidence(
            f"{SERVICE}/evidence/{uuid.uuid5(uuid.NAMESPACE_URL, credential_id)}/portfolio.txt",
            name={"fr": "Portfolio de la séquence « Sources fiables »",
                  "en": "Portfolio of the 'Reliable sources' sequence"},
            narrative="Ressources sélectionnées, adaptées et partagées avec la classe de 3e.",
            genre="Portfolio",
            content=EVIDENCE_CONTENT,
            media_type="text/plain",
        )],
        credential_schema=credential_schema,
        credential_status=credential_status,
    )


def make_endorsement(
    *,
    endorser_id: str = "did:web:endorser.example.org",
    endorsed_id: str = f"{SERVICE}/achievements/digcompedu-2-b1",
    now: datetime = DEFAULT_NOW,
) -> dict[str, Any]:
    """An unsigned endorsement of the example achievement by a fictitious organisation."""
    return models.endorsement_credential(
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{endorser_id}|{endorsed_id}')}",
        models.profile(endorser_id, "Réseau des formateurs au numérique (exemple)"),
        endorsed_id,
        valid_from=now,
        name={"fr": "Recommandation du badge DigCompEdu 2 — B1",
              "en": "Endorsement of the DigCompEdu 2 — B1 badge"},
        endorsement_comment={"fr": "Critères alignés sur DigCompEdu et évaluation exigeante.",
                             "en": "Criteria aligned with DigCompEdu and demanding assessment."},
    )


def make_clr(
    credentials: list[dict[str, Any]],
    *,
    issuer_id: str = DEFAULT_ISSUER_ID,
    now: datetime = DEFAULT_NOW,
    email: str = DEFAULT_EMAIL,
    salt: str = DEFAULT_SALT,
) -> dict[str, Any]:
    """An unsigned CLR bundling ``credentials`` (e.g. signed outputs of :func:`make_credential`)."""
    return models.clr_credential(
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'clr|{issuer_id}|{email}|{now}')}",
        make_issuer(issuer_id),
        credentials,
        valid_from=now,
        name={"fr": "Relevé de compétences DigCompEdu", "en": "DigCompEdu learner record"},
        identifiers=[models.identity_object_for_email(email, salt=salt)],
    )


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built here so image tests need no binary fixture."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 5)) + chunk(b"IEND", b""))
