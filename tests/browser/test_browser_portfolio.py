"""A participant builds a portfolio in a real browser: uploads a file tagged with competences,
sees its digest, writes a new version, and deletes an item after the confirmation page."""

from __future__ import annotations

import hashlib

from reportlab.pdfgen import canvas


def _pdf(path) -> bytes:  # type: ignore[no-untyped-def]
    page = canvas.Canvas(str(path))
    page.drawString(72, 720, "Séquence hybride")
    page.save()
    return path.read_bytes()


def test_participant_uploads_revises_and_deletes_evidence(live_server, page, tmp_path):
    base, logins = live_server
    participant = logins["participant"]
    evidence = tmp_path / "séquence.pdf"
    digest = hashlib.sha256(_pdf(evidence)).hexdigest()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", participant.email)
    page.fill("input[name=password]", participant.password)
    page.click("form button")
    page.wait_for_url(f"{base}/dashboard")

    page.click("nav >> text=Mon portfolio")
    assert page.locator("text=Votre portfolio est vide").count() == 1
    page.click("text=Déposer un fichier")
    page.fill("input[name=title]", "Ma séquence hybride")
    page.set_input_files("input[type=file]", str(evidence))
    boxes = page.locator("input[name=competences]")
    assert boxes.count() > 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("button:has-text('Enregistrer')")
    page.wait_for_selector("text=a été ajouté à votre portfolio")
    assert page.locator(f"code.digest:has-text('{digest}')").count() == 1
    with page.expect_download() as download:
        page.click("a.button:has-text('Télécharger')")
    assert download.value.suggested_filename == "séquence.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == digest

    page.click("a.button:has-text('Modifier')")
    page.fill("input[name=title]", "Ma séquence hybride, revue")
    page.locator("input[name=competences]").nth(1).uncheck()
    page.click("button:has-text('Enregistrer une nouvelle version')")
    page.wait_for_selector("text=Version 2 de « Ma séquence hybride, revue » enregistrée")
    assert page.locator("ol.versions > li").count() == 2

    page.click("a.button:has-text('Supprimer')")
    assert page.locator("text=Cette action est irréversible").count() == 1
    page.click("button:has-text('Oui, supprimer définitivement')")
    page.wait_for_selector("text=Votre portfolio est vide")
