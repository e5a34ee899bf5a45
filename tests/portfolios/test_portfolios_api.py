"""The portfolio through the API: files, links and reflections, tagged with the programme's
competences; versions; downloads; who may see what; refusals that change nothing."""

from __future__ import annotations

import hashlib
import io

from accounts_helpers import bearer, make_user
from portfolio_helpers import exe_bytes, pdf_bytes, png_bytes, stored_files, tag_ids
from sqlalchemy import func, select

from badge_service.db import db
from badge_service.portfolios.models import PortfolioItem, PortfolioItemVersion

BASE = "/api/v1/portfolio"


def _upload(client, headers, data: bytes, name: str, **fields):  # type: ignore[no-untyped-def]
    form = {"kind": "file", "title": fields.pop("title", "Ma séquence"),
            "file": (io.BytesIO(data), name), **fields}
    return client.post(f"{BASE}/items", data=form, headers=headers,
                       content_type="multipart/form-data")


def _download(client, url: str, headers):  # type: ignore[no-untyped-def]
    """GET a file; the response is closed (a file download holds the stored file open)."""
    response = client.get(url.replace("https://badges.example.org", ""), headers=headers)
    response.get_data()
    response.close()
    return response


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def test_upload_a_file_tagged_with_competences(app, client, world):
    participant = world.participants[0]
    headers = bearer(participant)
    tags = tag_ids(db.session, participant)
    data = pdf_bytes()
    response = _upload(client, headers, data, "séquence.pdf", competences=tags,
                       description="Préparée pour l'unité 2")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/portfolio/items/{body['id']}")
    current = body["current"]
    assert body["kind"] == "file"
    assert current["number"] == 1
    assert current["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert current["file"]["media_type"] == "application/pdf"
    assert current["file"]["name"] == "séquence.pdf"
    assert current["file"]["size"] == len(data)
    assert [c["id"] for c in current["competences"]] == tags
    download = _download(client, current["file"]["url"], headers)
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["Cache-Control"] == "private, no-cache"
    listed = client.get(f"{BASE}/items", headers=headers).get_json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]


def test_links_and_reflections_are_json_and_reflections_are_sanitised(app, client, world):
    headers = bearer(world.participants[0])
    link = client.post(f"{BASE}/items", headers=headers, json={
        "kind": "link", "title": "Ma capsule vidéo", "url": "https://peertube.example/w/1"})
    assert link.status_code == 201, link.get_json()
    assert link.get_json()["current"]["url"] == "https://peertube.example/w/1"
    reflection = client.post(f"{BASE}/items", headers=headers, json={
        "kind": "reflection", "title": "Retour réflexif", "text_format": "html",
        "text": '<p onclick="steal()">J\'ai <strong>appris</strong><script>alert(1)</script>'
                '<a href="javascript:alert(1)">ceci</a></p><iframe src="https://x"></iframe>'})
    assert reflection.status_code == 201, reflection.get_json()
    html = reflection.get_json()["current"]["text_html"]
    assert "<strong>appris</strong>" in html
    for forbidden in ("script", "onclick", "javascript:", "iframe", "alert"):
        assert forbidden not in html
    plain = client.post(f"{BASE}/items", headers=headers, json={
        "kind": "reflection", "title": "Texte", "text": "a < b\n\nsecond"})
    assert plain.get_json()["current"]["text_html"] == "<p>a &lt; b</p><p>second</p>"


def test_bad_links_and_fields_are_refused_with_the_field(app, client, world):
    headers = bearer(world.participants[0])
    for body, field in (
            ({"kind": "link", "title": "x", "url": "javascript:alert(1)"}, "url"),
            ({"kind": "link", "title": "x", "url": "ftp://example.org/f"}, "url"),
            ({"kind": "link", "title": "  ", "url": "https://example.org"}, "title"),
            ({"kind": "reflection", "title": "x", "text": "<script>x</script>",
              "text_format": "html"}, "text")):
        response = client.post(f"{BASE}/items", headers=headers, json=body)
        assert response.status_code == 422, body
        assert field in [e.get("field") for e in response.get_json()["errors"]]
    assert _count(PortfolioItem) == 0


def test_competences_outside_the_participants_programmes_are_refused(app, client, world):
    outsider = make_user("outsider@example.org")
    tags = tag_ids(db.session, world.participants[0])
    response = client.post(f"{BASE}/items", headers=bearer(outsider), json={
        "kind": "link", "title": "x", "url": "https://example.org", "competences": tags})
    assert response.status_code == 422
    assert all(e["field"] == "competences" for e in response.get_json()["errors"])
    assert client.get(f"{BASE}/competences", headers=bearer(outsider)).get_json() == {
        "frameworks": []}
    mine = client.get(f"{BASE}/competences", headers=bearer(world.participants[0])).get_json()
    assert any(c["id"] == tags[0] for f in mine["frameworks"] for c in f["competences"])


def test_refused_files_leave_no_row_and_no_file(app, client, world):
    headers = bearer(world.participants[0])
    forbidden = _upload(client, headers, exe_bytes(), "outil.exe")
    assert forbidden.status_code == 415
    assert forbidden.get_json()["detail"].startswith("outil.exe: files of type")
    lying = _upload(client, headers, png_bytes(), "rapport.pdf")
    assert lying.status_code == 415
    assert "its name says application/pdf" in lying.get_json()["detail"]
    app.config["EVIDENCE_MAX_BYTES"] = 100
    too_large = _upload(client, headers, pdf_bytes(), "gros.pdf")
    assert too_large.status_code == 413
    assert "gros.pdf" in too_large.get_json()["detail"]
    bad_tag = _upload(client, headers, pdf_bytes(), "ok.pdf", competences=["not-an-id"])
    assert bad_tag.status_code == 422
    assert _count(PortfolioItem) == 0
    assert _count(PortfolioItemVersion) == 0
    assert stored_files(app) == []


def test_a_rolled_back_upload_leaves_nothing_behind(app, world):
    from badge_service.clock import utcnow
    from badge_service.portfolios import forms
    from badge_service.portfolios.service import Upload, items

    with app.test_request_context():
        items.create(db.session, world.participants[0], {"kind": "file", "title": "x"},
                     upload=Upload(io.BytesIO(pdf_bytes()), "a.pdf"), store=forms.store(),
                     rules=forms.rules(), now=utcnow())
        assert len(stored_files(app)) == 1  # staged
        db.session.rollback()
    assert stored_files(app) == []


def test_editing_writes_a_new_version_and_keeps_the_old_file(app, client, world):
    participant = world.participants[0]
    headers = bearer(participant)
    first, second = pdf_bytes(), png_bytes()
    item = _upload(client, headers, first, "v1.pdf", competences=tag_ids(db.session,
                                                                            participant, 1))
    item_id = item.get_json()["id"]
    renamed = client.post(f"{BASE}/items/{item_id}/versions", headers=headers,
                          json={"title": "Nouveau titre"})
    assert renamed.status_code == 201
    body = renamed.get_json()
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert body["current"]["title"] == "Nouveau titre"
    assert body["current"]["file"]["sha256"] == hashlib.sha256(first).hexdigest()
    assert body["current"]["competences"] == body["versions"][0]["competences"]
    replaced = client.post(f"{BASE}/items/{item_id}/versions", headers=headers,
                           data={"file": (io.BytesIO(second), "photo.png")},
                           content_type="multipart/form-data")
    assert replaced.status_code == 201, replaced.get_json()
    body = replaced.get_json()
    assert body["current"]["number"] == 3
    assert body["current"]["title"] == "Nouveau titre"
    assert body["current"]["file"]["media_type"] == "image/png"
    old = _download(client, f"{BASE}/items/{item_id}/versions/1/file", headers)
    new = _download(client, f"{BASE}/items/{item_id}/versions/3/file", headers)
    assert old.data == first
    assert new.data == second
    cleared = client.post(f"{BASE}/items/{item_id}/versions", headers=headers,
                          json={"competences": []})
    assert cleared.get_json()["current"]["competences"] == []
    assert client.post(f"{BASE}/items/{item_id}/versions", headers=headers,
                       json={"kind": "link"}).status_code == 422


def test_nobody_but_the_owner_sees_or_changes_an_item(app, client, world):
    owner, other = world.participants[0], world.participants[1]
    admin = make_user("root@example.org", admin=True)
    item = _upload(client, bearer(owner), pdf_bytes(), "privé.pdf").get_json()
    url = f"{BASE}/items/{item['id']}"
    for stranger in (other, world.trainer, admin):
        headers = bearer(stranger)
        assert client.get(url, headers=headers).status_code == 403
        assert client.get(f"{url}/versions/1/file", headers=headers).status_code == 403
        assert client.post(f"{url}/versions", headers=headers,
                           json={"title": "x"}).status_code == 403
        assert client.delete(url, headers=headers).status_code == 403
        assert client.get(f"{BASE}/items", headers=headers).get_json()["items"] == []
    assert client.get(url).status_code == 401


def test_delete_and_frozen_versions(app, client, world):
    headers = bearer(world.participants[0])
    kept = _upload(client, headers, pdf_bytes(), "a.pdf").get_json()
    gone = _upload(client, headers, png_bytes(), "b.png").get_json()
    assert client.delete(f"{BASE}/items/{gone['id']}", headers=headers).status_code == 204
    assert client.get(f"{BASE}/items/{gone['id']}", headers=headers).status_code == 404
    from datetime import UTC, datetime

    version = db.session.scalars(select(PortfolioItemVersion)).one()
    version.frozen_at = datetime(2026, 12, 1, tzinfo=UTC)  # what a submission does
    db.session.commit()
    refused = client.delete(f"{BASE}/items/{kept['id']}", headers=headers)
    assert refused.status_code == 409
    assert "assessed" in refused.get_json()["detail"]
    assert client.get(f"{BASE}/items/{kept['id']}/versions/9/file",
                      headers=headers).status_code == 404
