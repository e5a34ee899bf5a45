"""The real browser (Playwright driving Debian's Chromium) and a live server of the test app,
for every browser test."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from badge_service.demo.cli import seed

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
