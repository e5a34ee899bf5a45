"""A participant's portfolio: evidence items (an uploaded file, a link, a written reflection),
each a series of versions.

A version never changes once written: editing an item writes its next version, so what a
trainer assessed (a submission points at versions) is still there, byte for byte, after the
participant improved the item. ``frozen_at`` says a version was submitted; a frozen version
keeps its item from being deleted.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.accounts.models import User
from badge_service.db import UUIDPrimaryKey, db
from badge_service.frameworks.models import FrameworkItem

KIND_FILE = "file"
KIND_LINK = "link"
KIND_REFLECTION = "reflection"
KINDS = (KIND_FILE, KIND_LINK, KIND_REFLECTION)


class PortfolioItem(UUIDPrimaryKey, db.Model):
    __tablename__ = "portfolio_item"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    owner: Mapped[User] = relationship()
    versions: Mapped[list[PortfolioItemVersion]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PortfolioItemVersion.number")

    @property
    def current(self) -> PortfolioItemVersion:
        return self.versions[-1]


class PortfolioItemVersion(UUIDPrimaryKey, db.Model):
    __tablename__ = "portfolio_item_version"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolio_item.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: A link's address (kind "link").
    url: Mapped[str | None] = mapped_column(String(2000))
    #: A reflection's text, as sanitised HTML (kind "reflection").
    body_html: Mapped[str | None] = mapped_column(Text)
    #: An uploaded file (kind "file"): its digest names it in the evidence store.
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(255))
    #: The media type read from the content (never the name's or the browser's).
    file_type: Mapped[str | None] = mapped_column(String(127))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    #: When the version was first submitted; from then on it is evidence someone assessed.
    frozen_at: Mapped[datetime | None]

    item: Mapped[PortfolioItem] = relationship(back_populates="versions")
    tags: Mapped[list[PortfolioTag]] = relationship(
        back_populates="version", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PortfolioTag.position")


class PortfolioTag(UUIDPrimaryKey, db.Model):
    """A competence (a framework item) a version documents."""

    __tablename__ = "portfolio_tag"
    __table_args__ = (UniqueConstraint("version_id", "framework_item_id"),)

    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolio_item_version.id", ondelete="CASCADE"), index=True)
    framework_item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_item.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    version: Mapped[PortfolioItemVersion] = relationship(back_populates="tags")
    competence: Mapped[FrameworkItem] = relationship()
