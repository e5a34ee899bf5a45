"""`badge-service frameworks import|export|list`."""

from __future__ import annotations

import json

from accounts_helpers import make_org
from db_helpers import count_rows as count
from sqlalchemy import select

from badge_service.db import db
from badge_service.formats import case
from badge_service.frameworks.models import Framework, FrameworkVersion


def test_import_list_export(cli, shared_dir, tmp_path):
    folder = shared_dir / "fixtures" / "frameworks"
    lille = make_org("ulille", name="Université de Lille")
    result = cli("frameworks", "import", str(folder / "digcompedu.json"))
    assert result.exit_code == 0, result.output
    assert "imported DigCompEdu" in result.output
    assert "version 1 (published), 35 items, 5 links" in result.output
    result = cli("frameworks", "import", str(folder / "numefa.json"), "--organisation",
                 lille.slug, "--draft")
    assert result.exit_code == 0, result.output
    assert "(draft)" in result.output
    result = cli("frameworks", "import", str(folder / "digcompedu.json"))
    assert "unchanged" in result.output
    assert count(Framework) == 2
    assert count(FrameworkVersion) == 2

    listing = cli("frameworks", "list").output
    assert "1cd445ca-d08c-55ee-abb1-2df69362211d  v1 published  [shared]" in listing
    assert "v1 draft  [ulille]" in listing

    out = tmp_path / "digcompedu.json"
    result = cli("frameworks", "export", "1cd445ca-d08c-55ee-abb1-2df69362211d", "--out",
                 str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (folder / "digcompedu.json").read_bytes()
    framework_id = db.session.scalar(select(Framework.id).where(
        Framework.identifier == "1cd445ca-d08c-55ee-abb1-2df69362211d"))
    result = cli("frameworks", "export", str(framework_id), "--format", "csv")
    assert result.exit_code == 0
    parsed = case.parse_csv(result.stdout)
    assert parsed.errors == []
    assert len(parsed.package.items) == 35
    # the CSV goes back in unchanged
    csv_file = tmp_path / "digcompedu.csv"
    csv_file.write_text(result.stdout, encoding="utf-8")
    assert "unchanged" in cli("frameworks", "import", str(csv_file)).output


def test_errors_exit_1_with_paths(cli, shared_dir, tmp_path):
    data = json.loads((shared_dir / "fixtures" / "frameworks" / "numefa.json").read_text())
    data["CFAssociations"][3]["associationType"] = "isSiblingOf"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = cli("frameworks", "import", str(bad))
    assert result.exit_code == 1
    assert "CFAssociations[3].associationType" in result.output
    assert "nothing was imported" in result.output
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("item_type,label_fr\narea,A\nplanet,B\n", encoding="utf-8")
    result = cli("frameworks", "import", str(csv_file))
    assert result.exit_code == 1
    assert "row 3 item_type" in result.output
    result = cli("frameworks", "import", str(bad), "--organisation", "nowhere")
    assert result.exit_code == 1
    assert count(Framework) == 0
    result = cli("frameworks", "export", "no-such-framework")
    assert result.exit_code == 1
    assert "no framework" in result.output
    assert cli("frameworks", "list").output.strip() == "no frameworks"
