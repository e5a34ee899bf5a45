"""Organisations: the issuers. Each has an OB 3.0 issuer Profile and an issuer identifier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from badge_service.db import UUIDPrimaryKey, db


class Organisation(UUIDPrimaryKey, db.Model):
    __tablename__ = "organisation"

    #: URL-safe short name; the did:web path and public URLs use it, so it never changes.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    #: Other-language names and descriptions: {"fr": …, "en": …}.
    name_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    #: Stored image (see badge_service.adapters.uploads), served at a public URL.
    image_path: Mapped[str | None] = mapped_column(String(500))
    #: "web" (did:web under the public base URL) or "key" (did:key of the active key).
    did_method: Mapped[str] = mapped_column(String(8), default="web")
    #: Key store key ids are "<slug>-<n>"; the issuing service picks the active one.
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
