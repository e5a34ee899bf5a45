"""A real browser (Playwright driving Debian's Chromium) through the main coordinator pages."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from badge_service.commands_demo import seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless as root on a machine with no outside network: no sandbox, no background traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def _require_browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    if not os.path.exists(CHROMIUM):
        message = "Chromium is not installed (Debian package 'chromium')"
        if os.environ.get("CI"):
            pytest.fail(message + " — required under CI")
        pytest.skip(message)
    return playwright


@pytest.fixture
def live_server(app, session):
    from datetime import UTC, datetime

    logins = {login.role: login for login in seed(app, now=datetime.now(UTC))}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", logins
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(tmp_path):
    sync_api = _require_browser()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        def on_console(msg):
            # A 401 answer to a wrong password is expected; anything else (a script error, a
            # Content-Security-Policy refusal, a missing asset) is a defect.
            if msg.type == "error" and "status of 401" not in msg.text:
                errors.append(f"{msg.text} {msg.location}")

        page.on("console", on_console)
        yield page
        browser.close()
        # Content-Security-Policy violations and script errors show up here.
        assert errors == []


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
