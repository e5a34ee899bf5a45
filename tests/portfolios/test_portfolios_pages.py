"""The portfolio pages: list, add a file / link / reflection, item with its versions, edit (a
new version), delete after a confirmation — in the participant's language."""

from __future__ import annotations

import io
import re

from accounts_helpers import login
from portfolio_helpers import exe_bytes, pdf_bytes, stored_files, tag_ids
from sqlalchemy import select

from badge_service.accounts.models import User
from badge_service.db import db
from badge_service.portfolios.models import PortfolioItem


def _participant(client, world) -> User:  # type: ignore[no-untyped-def]
    me = db.session.scalars(select(User).where(
        User.email == world.logins["participant"].email)).one()
    login(client, me.email, world.logins["participant"].password)
    return me


def test_add_a_file_then_a_new_version_then_delete(app, client, world):
    me = _participant(client, world)
    empty = client.get("/portfolio").get_data(as_text=True)
    assert "Mon portfolio" in empty
    assert "Votre portfolio est vide" in empty
    form = client.get("/portfolio/new/file").get_data(as_text=True)
    tags = tag_ids(db.session, me, 2)
    for tag in tags:
        assert f'value="{tag}"' in form
    assert "Taille maximale" in form
    data = pdf_bytes()
    response = client.post("/portfolio/new/file", data={
        "title": "Séquence <b>1</b>", "description": "Pour l'unité 2", "competences": tags,
        "file": (io.BytesIO(data), "séquence.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    item = db.session.scalars(select(PortfolioItem)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Séquence &lt;b&gt;1&lt;/b&gt;" in page  # escaped
    assert "a été ajouté à votre portfolio" in page
    assert item.current.file_sha256 in page
    download = client.get(f"/portfolio/items/{item.id}/versions/1/file")
    assert download.get_data() == data
    download.close()
    edit = client.get(f"/portfolio/items/{item.id}/edit").get_data(as_text=True)
    assert "nouvelle version" in edit
    assert re.search(rf'value="{tags[0]}" checked', edit)
    response = client.post(f"/portfolio/items/{item.id}/edit", data={
        "title": "Séquence 1, revue", "description": "", "competences_present": "1",
        "competences": tags[:1]}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert [v.number for v in item.versions] == [1, 2]
    assert [str(t.framework_item_id) for t in item.current.tags] == tags[:1]
    assert item.current.file_sha256 == item.versions[0].file_sha256
    page = client.get(f"/portfolio/items/{item.id}").get_data(as_text=True)
    assert "Version 2" in page
    assert "version actuelle" in page
    confirm = client.get(f"/portfolio/items/{item.id}/delete").get_data(as_text=True)
    assert "irréversible" in confirm
    assert "2 version(s)" in confirm
    assert db.session.get(PortfolioItem, item.id) is not None  # the GET deleted nothing
    response = client.post(f"/portfolio/items/{item.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PortfolioItem, item.id) is None


def test_refused_upload_says_why_and_keeps_what_was_typed(app, client, world):
    _participant(client, world)
    response = client.post("/portfolio/new/file", data={
        "title": "Mon outil", "file": (io.BytesIO(exe_bytes()), "outil.exe")},
        content_type="multipart/form-data")
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "outil.exe: files of type" in page
    assert 'value="Mon outil"' in page
    assert db.session.scalars(select(PortfolioItem)).all() == []
    assert stored_files(app) == []


def test_links_and_reflections_in_english(app, client, world):
    me = _participant(client, world)
    me.preferred_language = "en"
    db.session.commit()
    assert "Upload a file" in client.get("/portfolio").get_data(as_text=True)
    client.post("/portfolio/new/link", data={"title": "My video",
                                             "url": "https://video.example/1"})
    response = client.post("/portfolio/new/reflection", data={
        "title": "What I learnt", "text": "First <script>x</script>\n\nSecond",
        "text_format": "text"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<p>First &lt;script&gt;x&lt;/script&gt;</p><p>Second</p>" in page
    listing = client.get("/portfolio").get_data(as_text=True)
    assert "My video" in listing
    assert "What I learnt" in listing
    assert "Reflection" in listing
    assert client.get("/portfolio/new/other").status_code == 404


def test_another_participants_item_is_refused(app, client, world):
    from accounts_helpers import bearer

    owner = world.participants[1]
    created = client.post("/api/v1/portfolio/items", headers=bearer(owner), json={
        "kind": "link", "title": "x", "url": "https://example.org"}).get_json()
    _participant(client, world)
    for path in ("", "/edit", "/delete", "/versions/1/file"):
        assert client.get(f"/portfolio/items/{created['id']}{path}").status_code == 403
    assert client.post(f"/portfolio/items/{created['id']}/delete").status_code == 403
