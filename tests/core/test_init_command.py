"""`badge-service init`: schema to head, keys folder, a key for every organisation."""

from __future__ import annotations

from accounts_helpers import make_org
from flask.cli import ScriptInfo

from badge_service.adapters.keyring import current_keyring
from badge_service.cli import main


def test_init_creates_keys_for_organisations(app, session):
    from flask_migrate import stamp
    from sqlalchemy import text

    # The test database was built from the models: mark it as migrated, so `init`'s upgrade
    # step has nothing to do (test_migrations.py covers upgrading an empty database).
    stamp()
    org = make_org("lab")
    assert current_keyring().key_infos(org) == []
    runner = app.test_cli_runner()

    def init():
        return runner.invoke(main, ["init"], obj=ScriptInfo(create_app=lambda: app),
                             catch_exceptions=False)

    result = init()
    assert result.exit_code == 0, result.output
    assert "lab: active key lab-1" in result.output
    assert "lab: active key lab-1" in init().output  # idempotent
    assert [info.key_id for info in current_keyring().key_infos(org)] == ["lab-1"]
    session.execute(text("DROP TABLE alembic_version"))
    session.commit()
