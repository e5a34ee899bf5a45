"""Stored versions as plain CASE data, and their CASE JSON and CSV exports."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from badge_service.formats import case
from badge_service.frameworks.models import FrameworkItem, FrameworkVersion


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")



def _plain_item(item: FrameworkItem, identifiers: dict[uuid.UUID, str]) -> case.Item:
    extra = item.extra or {}
    return case.Item(
        identifier=item.identifier, item_type=item.item_type,
        parent=identifiers.get(item.parent_id) if item.parent_id else None,
        position=item.position, type_title=item.type_title, human_code=item.human_code,
        labels=dict(item.labels or {}), statements=dict(item.statements or {}), uri=item.uri,
        notes=item.notes, language=item.language, raw=extra.get("case") or {},
        child_of=extra.get("child_of") or {}, order=extra.get("order"),
        child_of_order=extra.get("child_of_order"))


def to_package(version: FrameworkVersion) -> case.Package:
    """The version as plain data (what :mod:`badge_service.formats.case` builds exports from)."""
    identifiers = {item.id: item.identifier for item in version.items}
    items = [_plain_item(item, identifiers) for item in version.items]
    links = sorted(version.associations,
                   key=lambda a: (a.position is None, a.position or 0, a.identifier))
    associations = [case.Association(
        identifier=link.identifier, association_type=link.association_type,
        origin=identifiers[link.origin_id], destination=link.destination_identifier,
        destination_uri=link.destination_uri, destination_title=link.destination_title,
        sequence_number=link.sequence_number, uri=(link.extra or {}).get("case", {}).get("uri"),
        raw=(link.extra or {}).get("case") or {}, order=link.position) for link in links]
    document = version.document or {}
    return case.Package(
        identifier=version.framework.identifier, language=version.language,
        title_i18n=dict(version.title_i18n or {}),
        description_i18n=dict(version.description_i18n or {}), uri=document.get("uri"),
        items=items, associations=associations, document=document.get("CFDocument") or {},
        definitions=document.get("CFDefinitions"), rubrics=document.get("CFRubrics"),
        extra=document.get("extra") or {}, keys=list(document.get("keys") or []))


def _time_of(version: FrameworkVersion) -> str:
    return _iso(version.published_at or version.created_at)


def export_case(version: FrameworkVersion) -> dict[str, Any]:
    """The version as a CASE 1.1 CFPackage (equal to the imported package when unedited)."""
    return case.build_package(to_package(version), default_time=_time_of(version))


def export_csv(version: FrameworkVersion) -> str:
    """The version as CSV, with a BOM (Excel then reads the accents right)."""
    return case.build_csv(to_package(version), bom=True)


def export_filename(version: FrameworkVersion, fmt: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", case.fold(version.title)).strip("-")[:60] or "framework"
    return f"{stem}-v{version.number}.{'json' if fmt == 'case' else 'csv'}"
