"""What one award request costs per credential, on SQLite and PostgreSQL: the figure behind
``AWARD_CREDENTIALS_PER_SECOND`` (see ``badge_service/awards/service/batch_limit.py``).

Run from the repository root::

    python benchmarks/batch_limit.py [--recipients N] [--backend sqlite|postgresql|both] [--json]

For each database: a fresh instance with the demo data (NUMEFA: five units UE1–UE5, and the
NUMEFA certificate, a composite requiring all five, its portfolio requirement lifted) and N
more participants in a cohort. Then,
timed one request at a time through the real endpoint (``POST /api/v1/achievements/<id>/awards``,
JSON body, bearer token, ``notify`` on with mail written to the outbox, the request's commit
and its after-commit mail included): UE1…UE4 to the N participants (plain awards), then UE5,
which also completes the certificate for every one of them (N awards + N composites).

PostgreSQL: a temporary database on ``TEST_PG_ADMIN_URL`` (default the test server,
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), dropped at the end.

It prints the credentials per second of each batch, the ratio of the composite batch to the
plain ones, and the ``AWARD_CREDENTIALS_PER_SECOND`` this machine supports: the slowest batch's
rate (either backend, plain or composite), halved because two batches may run at once on a
2-core server (each then gets one core). Exit status 2 when an award fails (a timing of an
error would be meaningless).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from badge_service import create_app  # noqa: E402
from badge_service.db import db  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
#: Two batches at once on two cores: each runs at about half the single-request rate.
CONCURRENT_BATCHES = 2


def _config(url: str, folder: Path) -> dict[str, Any]:
    return {"TESTING": True, "SECRET_KEY": "benchmark", "DATABASE_URL": url,
            "PUBLIC_BASE_URL": "https://badges.example.org", "KEYS_DIR": str(folder / "keys"),
            "KEY_PASSPHRASE": "benchmark passphrase", "KEY_SCRYPT_LOG_N": 14,
            "OUTBOX_DIR": str(folder / "outbox"), "UPLOAD_DIR": str(folder / "uploads"),
            # The benchmark measures the batches the limit is derived from: none is refused.
            "AWARD_BATCH_MAX": 2000}


def _participants_csv(count: int) -> bytes:
    lines = ["participant_id,given_name,family_name,email,preferred_language"]
    lines += [f"B-{i:05d},Prénom{i},Nom{i},bench{i}@school.example,fr" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def _prepare(app: Any, recipients: int) -> tuple[str, list[Any], list[str]]:
    """Demo data, N participants, a trainer token; committed like a real instance."""
    from badge_service.accounts.service import users as accounts
    from badge_service.achievements.models import Achievement
    from badge_service.clock import utcnow
    from badge_service.cohorts import service as cohorts
    from badge_service.demo.cli import seed
    from badge_service.programmes.models import Programme

    now = utcnow()
    logins = {login.role: login for login in seed(app, now=now)}
    session = db.session
    programme = session.scalars(sa.select(Programme).where(Programme.slug == "numefa")).one()
    cohorts.import_members(session, None, programme, _participants_csv(recipients), now=now,
                           default_language="fr", dry_run=False, cohort_name="Benchmark")
    badges = list(session.scalars(sa.select(Achievement).where(
        Achievement.programme_id == programme.id).order_by(Achievement.human_code)))
    units = [a for a in badges if not a.requirements]
    for certificate in (a for a in badges if a.requirements):
        # The demo's certificate also waits for a validated portfolio; without that, the
        # last unit completes it here, as it will once portfolio reviews exist.
        certificate.requires_portfolio = False
    trainer = accounts.find_user_by_email(session, logins["trainer"].email)
    token = accounts.create_api_token(session, trainer, "benchmark", now=now).secret
    session.commit()
    emails = [f"bench{i}@school.example" for i in range(recipients)]
    return token, [u.id for u in units], emails


def _award(client: Any, token: str, achievement_id: Any, emails: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    response = client.post(f"/api/v1/achievements/{achievement_id}/awards",
                           json={"recipients": [{"email": e} for e in emails], "notify": True},
                           headers={"Authorization": f"Bearer {token}",
                                    "Idempotency-Key": str(uuid.uuid4())})
    seconds = time.perf_counter() - started
    if response.status_code != 201:
        print(f"award failed: {response.status_code} {response.get_data(as_text=True)[:500]}",
              file=sys.stderr)
        sys.exit(2)
    body = response.get_json()
    return {"seconds": seconds, "awards": sum(o["outcome"] == "issued" for o in body["outcomes"]),
            "composites": len(body["composites"]), "credentials": body["issued"]}


def measure(url: str, recipients: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(_config(url, Path(folder)))
        with app.app_context():
            db.create_all()
            token, units, emails = _prepare(app, recipients)
            client = app.test_client()
            # One small award first: loading the JSON-LD contexts and the key (paid once by a
            # running worker) is not what a batch costs.
            _award(client, token, units[0], emails[:1])
            plain = [_award(client, token, unit, emails[1:] if i == 0 else emails)
                     for i, unit in enumerate(units[:-1])]
            composite = _award(client, token, units[-1], emails)
            db.session.remove()
            db.engine.dispose()
    if composite["composites"] != recipients:
        print(f"expected {recipients} composites, got {composite['composites']}",
              file=sys.stderr)
        sys.exit(2)
    plain_credentials = sum(b["credentials"] for b in plain)
    plain_seconds = sum(b["seconds"] for b in plain)
    return {
        "plain": {"credentials": plain_credentials, "seconds": round(plain_seconds, 3),
                  "per_second": round(plain_credentials / plain_seconds, 1),
                  "ms": round(1000 * plain_seconds / plain_credentials, 2)},
        "composite": {"credentials": composite["credentials"],
                      "seconds": round(composite["seconds"], 3),
                      "per_second": round(composite["credentials"] / composite["seconds"], 1),
                      "ms": round(1000 * composite["seconds"] / composite["credentials"], 2)},
    }


def _postgres() -> str:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"badge_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop(url: str) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = measure(f"sqlite:///{folder}/bench.sqlite3", args.recipients)
    if args.backend in ("postgresql", "both"):
        url = _postgres()
        try:
            results["postgresql"] = measure(url, args.recipients)
        finally:
            _drop(url)
    slowest = min(r[kind]["per_second"] for r in results.values()
                  for kind in ("plain", "composite"))
    recommended = int(slowest // CONCURRENT_BATCHES)
    summary = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                          f"Python {platform.python_version()}",
               "recipients": args.recipients, "results": results,
               "recommended_AWARD_CREDENTIALS_PER_SECOND": recommended,
               "batch_max_at_30s": min(2000, int(30 * recommended * 0.5))}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{summary['machine']}; {args.recipients} recipients per batch; one request at a time")
    print(f"{'backend':<12}{'batch':<34}{'credentials':>12}{'s':>9}{'cred/s':>9}{'ms/cred':>9}")
    for backend, result in results.items():
        for kind, label in (("plain", "UE1-UE4 (awards only)"),
                            ("composite", "UE5 (awards + certificates)")):
            r = result[kind]
            print(f"{backend:<12}{label:<34}{r['credentials']:>12}{r['seconds']:>9.2f}"
                  f"{r['per_second']:>9.1f}{r['ms']:>9.2f}")
        ratio = result["composite"]["ms"] / result["plain"]["ms"]
        print(f"{backend:<12}composite batch / plain, per credential: {ratio:.2f}×")
    if len(results) == 2:
        ratio = results["postgresql"]["composite"]["ms"] / results["sqlite"]["composite"]["ms"]
        print(f"PostgreSQL / SQLite, per credential of the composite batch: {ratio:.2f}×")
    print(f"AWARD_CREDENTIALS_PER_SECOND for this machine: {recommended} "
          f"(slowest batch {slowest} cred/s ÷ {CONCURRENT_BATCHES} concurrent batches); "
          f"with REQUEST_TIMEOUT 30 that is {summary['batch_max_at_30s']} credentials per "
          f"request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
