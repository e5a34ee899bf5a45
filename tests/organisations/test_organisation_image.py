"""The organisation's logo: uploaded by its coordinators, checked by content, and used as the
issuer Profile image of the credentials issued afterwards."""

from __future__ import annotations

import io

from accounts_helpers import bearer, login, make_org, make_user
from factories import tiny_png
from issuing_helpers import build_world, issuing_context

from badge_service.awards.service import issuing


def test_coordinator_uploads_a_logo_through_the_api(app, client, session):
    coordinator = make_user("coord@example.org")
    org = make_org("lab", coordinators=(coordinator,))
    response = client.post(f"/api/v1/organisations/{org.id}/image",
                           headers=bearer(coordinator),
                           data={"file": (io.BytesIO(tiny_png()), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    assert response.json["content_type"] == "image/png"
    assert client.get(response.json["image_url"].removeprefix(
        "https://badges.example.org")).status_code == 200

    not_an_image = client.post(f"/api/v1/organisations/{org.id}/image",
                               headers=bearer(coordinator),
                               data={"file": (io.BytesIO(b"GIF89a not ours"), "logo.gif")},
                               content_type="multipart/form-data")
    assert not_an_image.status_code == 415  # checked by content, not by name
    assert not_an_image.json["errors"][0]["field"] == "file"

    stranger = make_user("stranger@example.org")
    refused = client.post(f"/api/v1/organisations/{org.id}/image", headers=bearer(stranger),
                          data=tiny_png(), content_type="image/png")
    assert refused.status_code == 403


def test_logo_from_the_edit_page_goes_into_new_credentials(app, client, session):
    world = build_world(app, session)
    organisation = world.programme.organisation
    login(client, world.logins["coordinator"].email, world.logins["coordinator"].password)
    response = client.post(
        f"/organisations/{organisation.id}/edit",
        data={"name": organisation.name, "did_method": organisation.did_method,
              "image": (io.BytesIO(tiny_png()), "logo.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(organisation)
    assert (organisation.image_path or "").endswith(".png")
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    issuer = result.outcomes[0].credential.document["issuer"]
    assert issuer["image"]["id"].endswith(organisation.image_path)
