"""``badge-service portfolios``: adding and listing a participant's evidence."""

from __future__ import annotations

import hashlib

from portfolio_helpers import exe_bytes, pdf_bytes, stored_files, tag_ids

from badge_service.db import db


def test_add_file_link_and_text_then_list(app, runner, world, tmp_path):
    participant = world.participants[0]
    email = participant.email
    tag = tag_ids(db.session, participant, 1)[0]
    data = pdf_bytes()
    path = tmp_path / "bilan.pdf"
    path.write_bytes(data)
    added = runner("portfolios", "add", "--user", email, "--title", "Bilan", "--file",
                   str(path), "--competence", tag)
    assert added.exit_code == 0, added.output
    assert "\tfile\tv1\tBilan" in added.output
    assert runner("portfolios", "add", "--user", email, "--title", "Vidéo", "--url",
                  "https://video.example/1").exit_code == 0
    assert runner("portfolios", "add", "--user", email, "--title", "Réflexion", "--text",
                  "J'ai appris.").exit_code == 0
    listed = runner("portfolios", "list", "--user", email).output
    assert hashlib.sha256(data).hexdigest() in listed
    assert "https://video.example/1" in listed
    assert "\treflection\tv1\tRéflexion" in listed
    assert len(stored_files(app)) == 1


def test_refusals_are_told_and_save_nothing(app, runner, world, tmp_path):
    email = world.participants[0].email
    path = tmp_path / "outil.pdf"
    path.write_bytes(exe_bytes())
    refused = runner("portfolios", "add", "--user", email, "--title", "x", "--file", str(path))
    assert refused.exit_code == 1
    assert "outil.pdf: files of type" in refused.output
    both = runner("portfolios", "add", "--user", email, "--title", "x", "--url",
                  "https://e.org", "--text", "t")
    assert both.exit_code == 2
    assert "exactly one of" in both.output
    nobody = runner("portfolios", "list", "--user", "nobody@example.org")
    assert nobody.exit_code == 1
    assert "no account with the email" in nobody.output
    assert runner("portfolios", "list", "--user", email).output == ""
    assert stored_files(app) == []
