"""Competency frameworks (DigCompEdu, NUMEFA, DU modules), versioned.

A framework is a lineage; each FrameworkVersion is a snapshot. A published version never changes
(credentials already point at its items); editing creates a draft of the next version. Items keep
their CASE identifier across versions, so "competence 2.1" stays the same thing.

The hierarchy (CASE ``isChildOf``) is ``FrameworkItem.parent_id`` + ``position``; every other
CASE association (``precedes``, ``isRelatedTo`` to another framework, …) is a
:class:`FrameworkAssociation`. What the columns do not model (CASE fields such as ``notes`` of an
association, ``ext:`` extensions, the rubrics, key order) is kept verbatim in the JSON columns
``FrameworkVersion.document`` and ``extra``, so an exported package equals the imported one
(see :mod:`badge_service.formats.case`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.db import UUIDPrimaryKey, db

STATUS_DRAFT = "draft"
STATUS_PUBLISHED = "published"


def _owned(back_populates: str, order_by: str) -> Any:
    """A collection its parent owns: a framework its versions, a version its items and links,
    so they are saved and deleted with it (and an orphan removed from the list is deleted)."""
    return relationship(back_populates=back_populates, cascade="all, delete-orphan",
                        order_by=order_by)


class Framework(UUIDPrimaryKey, db.Model):
    __tablename__ = "framework"

    #: Owner; None for a framework shared by every organisation (e.g. DigCompEdu).
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The CASE CFDocument identifier of the lineage (stable across versions).
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]

    versions: Mapped[list[FrameworkVersion]] = _owned("framework", "FrameworkVersion.number")


class FrameworkVersion(UUIDPrimaryKey, db.Model):
    __tablename__ = "framework_version"
    __table_args__ = (UniqueConstraint("framework_id", "number"),)

    framework_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=STATUS_DRAFT)
    #: The CASE document fields of this version (title, creator, language, version, uri, …):
    #: {"CFDocument": …, "CFDefinitions": …, "CFRubrics": …, "extra": {other package keys},
    #: "keys": [package key order]}, as imported.
    title: Mapped[str] = mapped_column(String(500))
    title_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(16), default="en")
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    framework: Mapped[Framework] = relationship(back_populates="versions")
    items: Mapped[list[FrameworkItem]] = _owned("version", "FrameworkItem.position")
    associations: Mapped[list[FrameworkAssociation]] = _owned(
        "version", "FrameworkAssociation.position")


class FrameworkItem(UUIDPrimaryKey, db.Model):
    """An area, competence, outcome, criterion or proficiency level of one version."""

    __tablename__ = "framework_item"
    __table_args__ = (UniqueConstraint("version_id", "identifier"),)

    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_version.id", ondelete="CASCADE"), index=True)
    #: CASE CFItem identifier; stable across versions.
    identifier: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str | None] = mapped_column(String(1000))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("framework_item.id", ondelete="CASCADE"), index=True)
    #: Human code: "2.1", "A1", "UE2.3", "BCC1".
    human_code: Mapped[str | None] = mapped_column(String(100))
    #: The kind of item, one of :data:`badge_service.formats.case.KINDS`: "area", "competence",
    #: "outcome", "criterion", "level", "progression", "unit", "block", "group", "other".
    item_type: Mapped[str] = mapped_column(String(100))
    #: The CASE CFItemType title as published ("Competence area", "Unité d'enseignement").
    type_title: Mapped[str | None] = mapped_column(String(200))
    #: {"fr": …, "en": …} short labels and full statements.
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    statements: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Order among siblings (CASE sequenceNumber); levels: rank from lowest.
    position: Mapped[int] = mapped_column(default=0)
    #: Item language when it differs from the document's (CASE CFItem.language).
    language: Mapped[str | None] = mapped_column(String(16))
    #: CASE round-trip data: {"case": CFItem as imported, "child_of": its isChildOf association,
    #: "order": index in CFItems, "child_of_order": index of that association in CFAssociations}.
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str | None] = mapped_column(Text)

    version: Mapped[FrameworkVersion] = relationship(back_populates="items")
    parent: Mapped[FrameworkItem | None] = relationship(remote_side="FrameworkItem.id",
                                                        viewonly=True)


class FrameworkAssociation(UUIDPrimaryKey, db.Model):
    """A CASE association other than ``isChildOf`` (``precedes``, ``isRelatedTo``, …).

    The origin is always an item of the version; the destination may be an item of the same
    version (``destination_id``) or of another framework (identifier, uri and title kept).
    """

    __tablename__ = "framework_association"
    __table_args__ = (UniqueConstraint("version_id", "identifier"),)

    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_version.id", ondelete="CASCADE"), index=True)
    #: CASE CFAssociation identifier; stable across versions.
    identifier: Mapped[str] = mapped_column(String(200))
    association_type: Mapped[str] = mapped_column(String(100))
    origin_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_item.id", ondelete="CASCADE"), index=True)
    destination_identifier: Mapped[str] = mapped_column(String(200))
    destination_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("framework_item.id", ondelete="CASCADE"), index=True)
    destination_uri: Mapped[str | None] = mapped_column(String(1000))
    destination_title: Mapped[str | None] = mapped_column(String(1000))
    sequence_number: Mapped[int | None]
    #: Index in the package's CFAssociations (export order); None for associations added here.
    position: Mapped[int | None]
    #: The CFAssociation as imported (notes, extensions, key order).
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    version: Mapped[FrameworkVersion] = relationship(back_populates="associations")
    origin: Mapped[FrameworkItem] = relationship(foreign_keys=[origin_id])
    destination: Mapped[FrameworkItem | None] = relationship(foreign_keys=[destination_id])
