"""A real browser (Playwright driving Debian's Chromium) through the main coordinator pages."""

from __future__ import annotations

import os


def test_coordinator_walks_through_frameworks_programmes_and_cohorts(live_server, page,
                                                                    tmp_path):
    base, logins = live_server
    coordinator = logins["coordinator"]
    page.goto(f"{base}/login")
    page.fill("input[name=email]", coordinator.email)
    page.fill("input[name=password]", coordinator.password)
    page.click("form button")
    page.wait_for_url(f"{base}/dashboard")
    assert "Camille Coordination" in page.content()

    page.click("text=Frameworks")
    page.click("text=DigCompEdu")
    assert page.locator("text=A1").count() >= 1

    page.click("nav >> text=Programmes")
    page.click("text=Certificat d'université NUMEFA")
    assert page.locator("text=UE1").count() >= 1

    page.click("nav >> text=Cohorts")
    page.click("text=NUMEFA 2025-2026")
    assert page.locator("text=Delvaux").count() >= 1
    page.screenshot(path=str(tmp_path / "cohort.png"), full_page=True)
    if os.environ.get("TEST_SCREENSHOTS_DIR"):
        page.screenshot(path=os.path.join(os.environ["TEST_SCREENSHOTS_DIR"], "cohort.png"))

    page.click("text=Log out")
    page.wait_for_url(f"{base}/")


def test_login_errors_are_shown(live_server, page):
    base, logins = live_server
    page.goto(f"{base}/login")
    page.fill("input[name=email]", logins["trainer"].email)
    page.fill("input[name=password]", "wrong password!")
    page.click("form button")
    assert page.locator("[role=alert]").count() == 1


def test_trainer_awards_participant_sees_it_employer_verifies_the_pdf(live_server, page,
                                                                      tmp_path):
    """The main journey in a real browser: a trainer awards a badge (the confirmation dialog
    included), the participant finds it among their badges, and an employer with no account
    uploads the printed certificate's PDF and is told it is valid."""
    base, logins = live_server
    trainer, participant = logins["trainer"], logins["participant"]
    page.on("dialog", lambda dialog: dialog.accept())  # "Issue 1 signed credential now?"
    page.goto(f"{base}/login")
    page.fill("input[name=email]", trainer.email)
    page.fill("input[name=password]", trainer.password)
    page.click("form button")
    page.wait_for_url(f"{base}/dashboard")

    page.click("nav >> text=Awards")
    page.click("tr:has-text('UE1') >> text=Award")
    row = page.locator(f"tr:has-text('{participant.email}')")
    row.locator("input[type=checkbox]").check()
    row.locator("textarea, input[type=text]").first.fill("Séquence <b>hybride</b> conçue & évaluée")
    page.click("button:has-text('Preview')")
    assert page.locator(".tag:has-text('will be issued')").count() == 1
    page.click("button:has-text('Confirm')")
    page.wait_for_selector("text=1 credential issued")
    credential_url = page.locator("main a[href*='/credentials/']").first.get_attribute("href")
    path = "/credentials/" + credential_url.rsplit("/credentials/", 1)[1]
    page.click("text=Log out")

    page.goto(f"{base}/login")
    page.fill("input[name=email]", participant.email)
    page.fill("input[name=password]", participant.password)
    page.click("form button")
    page.goto(f"{base}/my/credentials")
    assert page.locator("text=Fondements pédagogiques").count() >= 1

    page.goto(f"{base}{path}?lang=fr")
    assert page.locator("text=Statut : Valide").count() == 1
    # The narrative is shown as text, never as markup.
    assert page.locator("text=Séquence <b>hybride</b> conçue & évaluée").count() == 1
    pdf = page.request.get(f"{base}{path}/certificate.pdf?lang=fr")
    assert pdf.headers["content-type"] == "application/pdf"
    certificate = tmp_path / "certificat.pdf"
    certificate.write_bytes(pdf.body())
    page.context.clear_cookies()  # the employer has no account

    page.goto(f"{base}/verify?lang=en")
    page.set_input_files("input[type=file]", str(certificate))
    page.click("form button:has-text('Verify')")
    page.wait_for_selector("text=Results")
    assert page.locator("text=Valid: this credential is genuine").count() == 1
    assert page.locator("text=certificat.pdf").count() >= 1
