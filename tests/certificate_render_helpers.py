"""What the certificate tests share: a sample certificate (every field filled, names in
several scripts) and a rendered page as pixels (pdftoppm)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from badge_service.certificates.service import CertificateData, Competence, Signatory

BASE = "https://badges.example.org"
CREDENTIAL_ID = f"{BASE}/credentials/6f1c8a52-3d7e-4b1a-9c55-0e2f4a6b8c9d"


def sample(**changes) -> CertificateData:  # type: ignore[no-untyped-def]
    data = CertificateData(
        language="fr",
        participant="Zoë Ñúñez-Åström",
        achievement="Concevoir des ressources numériques",
        description="Sélectionner, créer et partager des ressources éducatives.",
        achievement_code="DCE-2",
        organisation="TechnofuturTIC — eduLAB",
        issued=datetime(2026, 9, 15, 10, 0, tzinfo=UTC),
        valid_until=datetime(2029, 9, 15, 10, 0, tzinfo=UTC),
        credential_id=CREDENTIAL_ID,
        credential={"id": CREDENTIAL_ID, "type": ["VerifiableCredential"], "name": "é"},
        competences=(Competence("Sélection de ressources numériques", "2.1",
                                level="B1 – Intégrateur"),
                     Competence("Gestion et protection des ressources", "2.3")),
        signatories=(Signatory("Dominique Formateur", "trainer"),
                     Signatory("TechnofuturTIC — eduLAB", "issuer")),
    )
    return replace(data, **changes)


def render_png(pdf: bytes, folder: Path, dpi: int = 150, gray: bool = False) -> Path:
    source = folder / "certificate.pdf"
    source.write_bytes(pdf)
    options = ["-gray"] if gray else []
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", *options,
                    str(source), str(folder / "page")], check=True, timeout=60)
    return folder / "page.png"
