"""What the authentication tests share: a new passphrase that passes the rules, and whether a
fresh client can log in with a password."""

from __future__ import annotations

NEW_PASSWORD = "a brand new passphrase 2025"


def client_can_log_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302
