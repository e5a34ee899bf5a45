"""API: the participant's own credentials, with their public links and downloads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import current_app, request
from pydantic import BaseModel, Field

from badge_service.awards.models import IssuedCredential
from badge_service.awards.service.issuing import credential_url
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.delivery.service import pages as delivery
from badge_service.edge.auth import api_user
from badge_service.edge.openapi import operation, paged
from badge_service.locale import choose_language

TAG = "credentials"


class CredentialLinks(BaseModel):
    page: str = Field(description="the credential's id: HTML for people, the signed JSON "
                                  "for Accept: application/vc+ld+json")
    json_download: str
    jwt_download: str
    baked_svg: str = Field(description="badge image (SVG) with the credential baked in")
    baked_png: str | None = Field(description="the same as PNG, when the badge's picture is a "
                                              "PNG (an SVG picture is offered as SVG only)")
    linkedin: str = Field(description="LinkedIn 'add to profile' link, fields filled")


class MyCredentialOut(BaseModel):
    id: uuid.UUID
    url: str
    achievement_id: uuid.UUID
    achievement_name: str
    issuer_id: str
    issuer_name: str
    issued_at: datetime
    valid_until: datetime | None
    status: str = Field(description="valid, suspended, revoked, expired or not-yet-valid")
    level: str | None = Field(default=None, description="the level reached (its code)")
    links: CredentialLinks


def my_credential_out(credential: IssuedCredential, language: str,
                      now: datetime) -> dict[str, Any]:
    base = current_app.config["PUBLIC_BASE_URL"]
    page = delivery.credential_page(db.session, credential, language=language, now=now,
                                    public_base_url=base,
                                    upload_dir=current_app.config["UPLOAD_DIR"])
    url = credential_url(base, credential.id)
    return MyCredentialOut(
        id=credential.id, url=url, achievement_id=credential.achievement_id,
        achievement_name=page.achievement_name, issuer_id=credential.issuer_id,
        issuer_name=page.issuer_name, issued_at=page.issued_at, valid_until=page.valid_until,
        status=page.status.code,
        level=(page.level.code or page.level.name) if page.level else None,
        links=CredentialLinks(
            page=url, json_download=f"{url}/credential.json", jwt_download=f"{url}/credential.jwt",
            baked_svg=f"{url}/badge.svg",
            baked_png=f"{url}/badge.png" if "png" in page.baked_kinds else None,
            linkedin=delivery.linkedin_url_for(page)),
    ).model_dump(mode="json")


@operation("/me/credentials", "GET", summary="Your own credentials, newest first", tag=TAG,
           response=MyCredentialOut, paged=True,
           query=[("lang", "string", "fr or en: the language of names (default: yours)")])
def my_credentials() -> Any:
    user = api_user()
    language = choose_language(request.args.get("lang"), user.preferred_language)
    now = utcnow()
    return paged(db.session, delivery.credentials_of(user),
                 lambda credential: my_credential_out(credential, language, now))
