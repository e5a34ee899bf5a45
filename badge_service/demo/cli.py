"""``badge-service demo``: a complete, running instance on a fresh machine, in one command.

It creates (or reuses) the instance folder's SQLite database, signing keys, the three demo
organisations, the DigCompEdu, NUMEFA and DU frameworks and their programmes (from the project's
own data files in ``badge_service/demo/data``), the NUMEFA 2025 cohort, and a coordinator,
trainer and participant account; then serves the application and prints where to log in.
Running it again reuses what exists and only resets the demo passwords.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import select

DATA = Path(__file__).parent / "data"

ORGANISATIONS = [
    {"slug": "lille-learning-lab",
     "name": "Université de Lille — DAPI / Lille Learning Lab",
     "name_i18n": {"en": "University of Lille — DAPI / Lille Learning Lab"},
     "url": "https://www.univ-lille.fr",
     "description_i18n": {
         "fr": "Direction d'appui à la pédagogie et Lille Learning Lab (démonstration).",
         "en": "Teaching support office and Lille Learning Lab (demonstration)."}},
    {"slug": "technofuturtic-edulab", "name": "TechnofuturTIC — eduLAB",
     "url": "https://www.technofuturtic.be",
     "description_i18n": {
         "fr": "Formation des enseignants au numérique, certificat NUMEFA (démonstration).",
         "en": "Digital training for teachers, NUMEFA certificate (demonstration)."}},
    {"slug": "drane-nancy-metz", "name": "DRANE Nancy-Metz",
     "url": "https://www.ac-nancy-metz.fr",
     "description_i18n": {
         "fr": "Délégation régionale académique au numérique éducatif (démonstration).",
         "en": "Regional digital-education office of the académie (demonstration)."}},
]

FRAMEWORKS = [("digcompedu.json", None), ("numefa.json", "technofuturtic-edulab"),
              ("du-pedagogie-lille.json", "lille-learning-lab")]

PROGRAMMES = [
    # (organisation, slug, titles, framework file, badge-plan groups, final credential)
    ("technofuturtic-edulab", "numefa",
     {"fr": "Certificat d'université NUMEFA", "en": "NUMEFA university certificate"},
     "numefa.json", None, True),
    ("lille-learning-lab", "du-pedagogie-universitaire",
     {"fr": "DU de pédagogie universitaire", "en": "University diploma in higher-education "
                                                   "teaching"},
     "du-pedagogie-lille.json", ["blockBadges"], True),
    ("lille-learning-lab", "ateliers",
     {"fr": "Ateliers du Lille Learning Lab", "en": "Lille Learning Lab workshops"},
     "du-pedagogie-lille.json", ["workshopBadges"], False),
]

COHORT_FILE = "numefa-2025.csv"
COHORT_NAME = "NUMEFA 2025-2026"


@dataclass
class Login:
    role: str
    email: str
    password: str
    where: str


def _ensure_instance_config(instance: Path, port: int) -> None:
    """Write what a fresh demo instance needs and nothing else: a key passphrase and a secret
    key. The public URL follows ``--port`` for this run only. An operator's own settings win."""
    from badge_service.config import private_dir

    private_dir(instance)  # before create_app, which would make it 0700 too
    config_file = instance / "config.toml"
    existing = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
    lines = []
    if "KEY_PASSPHRASE" not in existing and not os.environ.get("BADGE_KEY_PASSPHRASE"):
        # A demo convenience: the passphrase sits beside the keys, in a 0600 file. Production
        # deployments pass BADGE_KEY_PASSPHRASE from a secret store instead.
        lines.append(f'KEY_PASSPHRASE = "{secrets.token_urlsafe(24)}"')
    if "SECRET_KEY" not in existing and not os.environ.get("BADGE_SECRET_KEY"):
        # Explicit like the passphrase, so the demo also starts behind a public
        # BADGE_PUBLIC_BASE_URL (a showcase), where the configuration requires one. The secret
        # of an earlier run, kept in the instance folder, is reused: its sessions stay valid.
        earlier = instance / "secret_key"
        value = (earlier.read_text(encoding="ascii").strip() if earlier.exists()
                 else secrets.token_urlsafe(48))
        lines.append(f"SECRET_KEY = {json.dumps(value)}")
    if ("PUBLIC_BASE_URL" not in existing and not os.environ.get("BADGE_PUBLIC_BASE_URL")
            and port != 5000):
        os.environ["BADGE_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    if lines:
        fd = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(("\n" if existing and not existing.endswith("\n") else "")
                         + "\n".join(lines) + "\n")


def seed(app: Flask, *, now: datetime) -> list[Login]:
    """Create the demo data if missing; reset the demo passwords. One transaction."""
    from badge_service.accounts.service import users as accounts
    from badge_service.achievements import service as achievements
    from badge_service.adapters.keyring import current_keyring
    from badge_service.cohorts import service as cohorts
    from badge_service.db import db
    from badge_service.errors import NotFound
    from badge_service.frameworks import service as frameworks
    from badge_service.organisations.models import Organisation
    from badge_service.programmes import service as programmes

    session = db.session
    config = app.config
    orgs: dict[str, Any] = {}
    for data in ORGANISATIONS:
        org = session.scalar(select(Organisation).where(Organisation.slug == data["slug"]))
        if org is None:
            org = Organisation(created_at=now, did_method="key", **data)
            session.add(org)
            session.flush()
        orgs[org.slug] = org
        current_keyring().ensure_key(org, now=now)

    for filename, org_slug in FRAMEWORKS:
        content = (DATA / filename).read_bytes()
        frameworks.import_file(session, None, content, max_bytes=config["MAX_IMPORT_BYTES"],
                               now=now, base_url=config["PUBLIC_BASE_URL"],
                               organisation_id=orgs[org_slug].id if org_slug else None)

    created_programmes = {}
    for org_slug, slug, title, plan_file, groups, final in PROGRAMMES:
        try:
            programme = programmes.find(session, f"{org_slug}/{slug}")
        except NotFound:
            programme = programmes.create(session, None, orgs[org_slug].id,
                                          {"slug": slug, "title": title}, now=now)
            package = json.loads((DATA / plan_file).read_text(encoding="utf-8"))
            achievements.import_badge_plan(session, None, programme, package, now=now,
                                           groups=groups, final=final)
        created_programmes[slug] = programme

    numefa = created_programmes["numefa"]
    cohorts.import_members(session, None, numefa, (DATA / COHORT_FILE).read_bytes(), now=now,
                           default_language="fr", dry_run=False, cohort_name=COHORT_NAME)

    logins = []

    def account(role: str, email: str, name: str, **extra: Any) -> Any:
        user = accounts.find_user_by_email(session, email)
        if user is None:
            user = accounts.create_user(session, email=email, display_name=name, now=now,
                                        **extra)
        password = secrets.token_urlsafe(12)
        accounts.set_password(session, user, password)
        logins.append(Login(role, email, password, ""))
        return user

    admin = account("administrator", "admin@demo.badges.example", "Admin Démo",
                    is_administrator=True)
    coordinator = account("coordinator", "coordination@demo.badges.example",
                          "Camille Coordination")
    for org in orgs.values():
        accounts.grant_coordinator(session, coordinator, org)
    trainer = account("trainer", "formateur@demo.badges.example", "Dominique Formateur")
    for programme in created_programmes.values():
        programmes.add_trainer(session, None, programme, trainer)
    # The participant is the first person of the imported cohort.
    first_email = _first_cohort_email()
    participant = accounts.find_user_by_email(session, first_email)
    password = secrets.token_urlsafe(12)
    accounts.set_password(session, participant, password)
    logins.append(Login("participant", participant.email, password, ""))
    del admin
    session.commit()
    return logins


def _first_cohort_email() -> str:
    import csv
    import io

    text = (DATA / COHORT_FILE).read_text(encoding="utf-8-sig")
    return next(csv.DictReader(io.StringIO(text)))["email"].strip().lower()


@click.command("demo")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare the instance, print the logins, exit.")
def demo_command(port: int, host: str, no_serve: bool) -> None:
    """Create a complete demo instance (SQLite, keys, organisations, frameworks, programmes,
    a cohort, accounts) and serve it."""
    from flask_migrate import upgrade

    from badge_service import create_app
    from badge_service.clock import utcnow
    from badge_service.config import INSTANCE_PATH_ENV

    probe = Flask("badge_service", instance_relative_config=True,
                  instance_path=os.environ.get(INSTANCE_PATH_ENV) or None)
    _ensure_instance_config(Path(probe.instance_path), port)
    app = create_app()
    with app.app_context():
        upgrade()
        logins = seed(app, now=utcnow())
    base = app.config["PUBLIC_BASE_URL"]
    click.echo("")
    click.echo("badge_service demo is ready.")
    click.echo(f"  database : {app.config['DATABASE_URL']}")
    click.echo(f"  keys     : {app.config['KEYS_DIR']}")
    click.echo(f"  outbox   : {app.config['OUTBOX_DIR']}  (emails are written here: no SMTP)")
    click.echo(f"  open     : {base}/login")
    click.echo(f"  API docs : {base}/api/v1/openapi.json")
    click.echo("  logins (passwords are new at every run):")
    for login in logins:
        click.echo(f"    {login.role:<13} {login.email:<42} {login.password}")
    if no_serve:
        return
    click.echo(f"\nServing on http://{host}:{port}/ — press Ctrl+C to stop.")
    sys.stdout.flush()
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
