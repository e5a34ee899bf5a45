"""Helpers for tests that need accounts: users, organisations, logins, API tokens, mail links.

Data is created through the services (as the application does) and committed, so requests
made with the test client see it. Other test modules may import these too.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.organisations import service as organisations
from badge_service.organisations.models import Organisation

PASSWORD = "correct horse battery staple"
BASE = "https://badges.example.org"


def make_user(email: str, *, password: str | None = PASSWORD, admin: bool = False,
              name: str | None = None) -> User:
    user = accounts.create_user(db.session, email=email, display_name=name, password=password,
                                now=utcnow(), is_administrator=admin)
    db.session.commit()
    return user


def make_org(slug: str, *, coordinators: tuple[User, ...] = (), name: str | None = None
             ) -> Organisation:
    root = db.session.scalar(db.select(User).where(User.is_administrator.is_(True)))
    if root is None:
        root = make_user(f"root-{slug}@example.org", admin=True)
    org = organisations.create(db.session, root, {"slug": slug, "name": name or slug.title()},
                               now=utcnow())
    for user in coordinators:
        accounts.grant_coordinator(db.session, user, org)
    db.session.commit()
    return org


def bearer(user: User, name: str = "tests") -> dict[str, str]:
    """Authorization headers with a new API token of ``user``."""
    secret = accounts.create_api_token(db.session, user, name, now=utcnow()).secret
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def login(client, email: str, password: str = PASSWORD, **kwargs):  # type: ignore[no-untyped-def]
    response = client.post("/login", data={"email": email, "password": password}, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_path(message: EmailMessage) -> str:
    """The path of the one service link in a message (to follow it with the test client)."""
    links = re.findall(re.escape(BASE) + r"/\S+", body_text(message))
    assert len(links) == 1, links
    return urlsplit(links[0]).path


def is_login_redirect(response) -> bool:  # type: ignore[no-untyped-def]
    return (response.status_code == 302
            and urlsplit(response.headers["Location"]).path == "/login")


def send_mail_to(smtp_server, app_config: dict, **extra) -> dict:
    """``app_config`` updated so that the app mails the test SMTP server (plain SMTP on the
    loopback interface); modules override their ``app_config`` fixture with it."""
    controller, _ = smtp_server
    app_config.update(SMTP_HOST=controller.hostname, SMTP_PORT=controller.port,
                      SMTP_SECURITY="none", **extra)
    return app_config
