"""Downloads of a credential (JSON, VC-JWT, baked PNG/SVG), the participant's own list (page and
API)."""

from __future__ import annotations

import io

from accounts_helpers import bearer, login
from factories import tiny_png
from issuing_helpers import NOW, issuing_context
from sqlalchemy import select

from badge_service.accounts.models import User
from badge_service.achievements import service as achievements
from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import issuing
from badge_service.clock import utcnow
from badge_service.delivery.service import pages as delivery
from credentials import baking
from credentials.did import Resolver
from credentials.jwt import verify_jwt
from credentials.verify import verify

BASE = "https://badges.example.org"
SVG_PICTURE = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
               b'<circle cx="32" cy="32" r="30" fill="#0b5cad"/></svg>')


def award(app, session, world, achievement=None, person=None):  # type: ignore[no-untyped-def]
    person = person or world.participants[0]
    result = issuing.award(session, world.trainer, achievement or world.units[0],
                           [issuing.AwardRow(person.email)],
                           issuing=issuing_context(app, notify=False))
    session.commit()
    return result.outcomes[0].credential


def with_picture(app, session, achievement, data: bytes):  # type: ignore[no-untyped-def]
    achievements.set_image(session, None, achievement, data,
                           upload_dir=app.config["UPLOAD_DIR"],
                           max_bytes=app.config["MAX_UPLOAD_BYTES"], now=NOW)
    session.commit()
    return achievement


def check_verifies(credential_data, document):  # type: ignore[no-untyped-def]
    result = verify(credential_data, now=utcnow(), resolver=Resolver())
    assert result.verified, result.errors
    assert result.credential["id"] == document["id"]


# --- JSON ------------------------------------------------------------------------------------


def test_json_download(app, session, client, world):
    credential = award(app, session, world)
    response = client.get(f"/credentials/{credential.id}/credential.json")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+ld+json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="numefa-fondements-pedagogiques.json"')
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json(force=True) == credential.document
    check_verifies(response.data, credential.document)
    # Public, like the credential at its URL: no account needed for any form.
    for path in ("", "/credential.json", "/credential.jwt", "/badge.svg", "/image.svg"):
        assert client.get(f"/credentials/{credential.id}{path}").status_code == 200, path


# --- VC-JWT ----------------------------------------------------------------------------------


def test_jwt_download_verifies(app, session, client, world):
    credential = award(app, session, world)
    response = client.get(f"/credentials/{credential.id}/credential.jwt")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Content-Disposition"].endswith('.jwt"')
    token = response.get_data(as_text=True)
    result = verify_jwt(token, resolver=Resolver(), now=utcnow())
    assert result.verified, result.errors
    unsigned = {k: v for k, v in credential.document.items() if k != "proof"}
    assert result.credential == unsigned
    assert result.verification_method == credential.verification_method


def test_jwt_after_key_rotation(app, session, client, world):
    keyring = current_keyring()
    stored = award(app, session, world)
    legacy = award(app, session, world, person=world.participants[1])
    # A credential issued before JWTs were stored: signed on demand while its key is active.
    legacy.jwt = None
    session.commit()
    response = client.get(f"/credentials/{legacy.id}/credential.jwt")
    assert response.status_code == 200
    assert verify_jwt(response.get_data(as_text=True), resolver=Resolver(),
                      now=utcnow()).verified
    keyring.rotate(stored.organisation, now=NOW)
    # The JWT stored at issue time is still served, and still verifies.
    response = client.get(f"/credentials/{stored.id}/credential.jwt")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == stored.jwt
    assert verify_jwt(stored.jwt, resolver=Resolver(), now=utcnow()).verified
    # A retired key never signs anything new: a clear conflict, pointing at what still works.
    refused = client.get(f"/credentials/{legacy.id}/credential.jwt",
                         headers={"Accept": "application/json"})
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert "retired" in refused.json["detail"]
    assert "credential.json" in refused.json["detail"]
    check_verifies(client.get(f"/credentials/{legacy.id}/credential.json").data,
                   legacy.document)


# --- baked images ----------------------------------------------------------------------------


def test_baked_images_from_the_default_badge(app, session, client, world):
    credential = award(app, session, world)
    svg = client.get(f"/credentials/{credential.id}/badge.svg")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == (
        'attachment; filename="numefa-fondements-pedagogiques.svg"')
    assert "sandbox" in svg.headers["Content-Security-Policy"]
    unbaked = baking.unbake(svg.data)
    assert unbaked == credential.document
    check_verifies(svg.data, credential.document)  # the verifier unbakes images itself
    # The default badge is drawn as a PNG too (link previews and PNG-only backpacks).
    png = client.get(f"/credentials/{credential.id}/badge.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert baking.unbake(png.data) == credential.document
    check_verifies(png.data, credential.document)
    page = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    assert "/badge.svg" in page
    assert "/badge.png" in page
    preview = client.get(f"/credentials/{credential.id}/image.png")
    assert preview.status_code == 200
    assert preview.data.startswith(b"\x89PNG")
    assert f'content="https://badges.example.org/credentials/{credential.id}/image.png"' in page


def test_baked_images_from_a_png_picture(app, session, client, world):
    unit = with_picture(app, session, world.units[1], tiny_png())
    credential = award(app, session, world, achievement=unit)
    png = client.get(f"/credentials/{credential.id}/badge.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert png.headers["Content-Disposition"] == (
        'attachment; filename="numefa-evaluation-numerique.png"')
    assert baking.unbake(png.data) == credential.document
    check_verifies(png.data, credential.document)
    # The same picture is offered in an SVG too.
    svg = client.get(f"/credentials/{credential.id}/badge.svg")
    assert svg.status_code == 200
    assert b"data:image/png;base64," in svg.data
    check_verifies(svg.data, credential.document)
    page = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    assert "/badge.svg" in page
    assert "/badge.png" in page
    # Replacing the achievement's picture later does not change the credential's image: it is
    # the one the signed document names.
    with_picture(app, session, unit, SVG_PICTURE)
    png = client.get(f"/credentials/{credential.id}/badge.png")
    assert png.status_code == 200
    assert baking.unbake(png.data) == credential.document


def test_baked_images_from_an_svg_picture(app, session, client, world):
    unit = with_picture(app, session, world.units[2], SVG_PICTURE)
    credential = award(app, session, world, achievement=unit)
    svg = client.get(f"/credentials/{credential.id}/badge.svg")
    assert svg.status_code == 200
    assert b"<circle" in svg.data  # the achievement's own drawing
    check_verifies(svg.data, credential.document)
    # No SVG rasteriser: the baked PNG is the default badge drawn as PNG, still carrying the
    # credential, so every credential has a baked PNG.
    png = client.get(f"/credentials/{credential.id}/badge.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert png.headers["Content-Disposition"] == (
        'attachment; filename="numefa-education-a-l-informatique.png"')
    assert baking.unbake(png.data) == credential.document
    check_verifies(png.data, credential.document)
    drawn = delivery.default_badge_png_for(credential)
    assert _pixels(png.data) == _pixels(drawn)
    page = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    assert "/badge.png" in page
    assert "/badge.svg" in page
    # Link previews get a PNG too (they ignore SVG), never the uploaded SVG.
    og_image = f"https://badges.example.org/credentials/{credential.id}/image.png"
    assert f'<meta property="og:image" content="{og_image}">' in page
    assert '<meta property="og:image:type" content="image/png">' in page
    preview = client.get(f"/credentials/{credential.id}/image.png")
    assert preview.status_code == 200
    assert preview.mimetype == "image/png"
    assert _pixels(preview.data) == _pixels(drawn)
    me = bearer(credential.recipient)
    [entry] = client.get("/api/v1/me/credentials", headers=me).json["items"]
    assert entry["links"]["baked_png"] == f"{BASE}/credentials/{credential.id}/badge.png"


def _pixels(png: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGBA").tobytes()


# --- the participant's own list --------------------------------------------------------------


def participant(session, world):  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(
        User.email == world.logins["participant"].email)).one()


def test_my_credentials_page(app, session, client, world):
    me = participant(session, world)
    other = next(p for p in world.participants if p.id != me.id)
    mine = award(app, session, world, person=me)
    second = award(app, session, world, achievement=world.units[1], person=me)
    issuing.change_status(session, world.trainer, [second], "suspend", reason="r", now=NOW)
    session.commit()
    theirs = award(app, session, world, achievement=world.units[2], person=other)
    assert client.get("/my/credentials").status_code == 302  # login first
    login(client, me.email, world.logins["participant"].password)
    response = client.get("/my/credentials")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"/credentials/{mine.id}" in html
    assert f"/credentials/{second.id}" in html
    assert f"/credentials/{theirs.id}" not in html
    assert "Suspendu" in html
    assert "www.linkedin.com/profile/add" in html
    assert "copy-button" in html


def test_my_credentials_api(app, session, client, world):
    me = participant(session, world)
    other = next(p for p in world.participants if p.id != me.id)
    first = award(app, session, world, person=me)
    unit = with_picture(app, session, world.units[1], tiny_png())
    second = award(app, session, world, achievement=unit, person=me)
    award(app, session, world, achievement=world.units[2], person=other)
    assert client.get("/api/v1/me/credentials").status_code == 401
    headers = bearer(me)
    response = client.get("/api/v1/me/credentials?per_page=1&lang=en", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 2
    assert body["pages"] == 2
    assert len(body["items"]) == 1
    items = body["items"] + client.get("/api/v1/me/credentials?per_page=1&page=2&lang=en",
                                       headers=headers).json["items"]
    assert {i["id"] for i in items} == {str(first.id), str(second.id)}
    by_id = {i["id"]: i for i in items}
    entry = by_id[str(second.id)]
    assert entry["url"] == f"{BASE}/credentials/{second.id}"
    assert entry["achievement_name"] == "NUMEFA – Digital assessment"
    assert entry["status"] == "valid"
    assert entry["links"]["baked_png"] == f"{BASE}/credentials/{second.id}/badge.png"
    # The default badge (no uploaded picture) is drawn as a PNG too.
    assert by_id[str(first.id)]["links"]["baked_png"] == f"{BASE}/credentials/{first.id}/badge.png"
    assert entry["links"]["linkedin"].startswith("https://www.linkedin.com/profile/add?")
    assert "email" not in entry
    # Documented in the OpenAPI description.
    document = client.get("/api/v1/openapi.json").json
    assert "get" in document["paths"]["/api/v1/me/credentials"]
