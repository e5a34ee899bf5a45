"""Importing CASE packages and CSV files: a new framework, a new version, or nothing when the
content is unchanged. All or nothing."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.errors import (
    Conflict,
    FieldError,
    Forbidden,
    PayloadTooLarge,
    ValidationFailed,
)
from badge_service.formats import case
from badge_service.frameworks.models import (
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.frameworks.service.export import to_package
from badge_service.frameworks.service.lookup import (
    draft_of,
    latest_version,
    stored_items,
    title_of,
)
from badge_service.organisations import service as organisations


@dataclass
class ImportResult:
    framework: Framework
    version: FrameworkVersion
    created_framework: bool
    created_version: bool
    format: str


def import_file(session: Session, actor: User | None, content: bytes, *, max_bytes: int,
                now: datetime, base_url: str, organisation_id: uuid.UUID | None = None,
                draft: bool = False, title: str | None = None,
                language: str = "fr") -> ImportResult:
    """Import a CASE JSON package or a CSV file (recognised by content). All or nothing."""
    if not policy.may_import_any_framework(session, actor):
        raise Forbidden("only administrators and coordinators can import frameworks")
    fmt, result = case.read(content, max_bytes=max_bytes, title=title, language=language)
    return import_parsed(session, actor, fmt, result, now=now, base_url=base_url,
                         organisation_id=organisation_id, draft=draft)


def import_content(session: Session, actor: User | None, fmt: str, data: Any, *,
                   max_bytes: int, now: datetime, base_url: str,
                   organisation_id: uuid.UUID | None = None, draft: bool = False,
                   title: str | None = None, language: str = "fr") -> ImportResult:
    """Import already-decoded content: ``fmt`` "case" with the parsed JSON package, or "csv"
    with the CSV text (the API's JSON body carries either)."""
    if not policy.may_import_any_framework(session, actor):
        raise Forbidden("only administrators and coordinators can import frameworks")
    if fmt == "csv":
        if not isinstance(data, str):
            raise ValidationFailed("send the CSV as text", [FieldError("must be text",
                                                                       field="csv")])
        size = len(data.encode())
    else:
        size = len(json.dumps(data, ensure_ascii=False).encode())
    if size > max_bytes:
        raise PayloadTooLarge(f"the framework is {size} bytes; the limit is {max_bytes} bytes "
                              "(setting MAX_IMPORT_BYTES)")
    result = (case.parse_csv(data, title=title, language=language) if fmt == "csv"
              else case.parse_package(data))
    return import_parsed(session, actor, fmt, result, now=now, base_url=base_url,
                         organisation_id=organisation_id, draft=draft)


def import_parsed(session: Session, actor: User | None, fmt: str, result: case.ParseResult, *,
                  now: datetime, base_url: str, organisation_id: uuid.UUID | None = None,
                  draft: bool = False) -> ImportResult:
    if result.errors or result.package is None:
        count = len(result.errors)
        raise ValidationFailed(
            f"the {'CASE package' if fmt == 'case' else 'CSV file'} has {count} "
            f"error{'s' if count != 1 else ''}; nothing was imported", result.errors)
    return import_package(session, actor, result.package, organisation_id=organisation_id,
                          draft=draft, now=now, base_url=base_url, source=fmt)


def import_package(session: Session, actor: User | None, package: case.Package, *,
                   now: datetime, base_url: str, organisation_id: uuid.UUID | None = None,
                   draft: bool = False, source: str = "case") -> ImportResult:
    if organisation_id is not None:
        organisations.get(session, organisation_id)
    framework = session.scalar(select(Framework).where(Framework.identifier
                                                       == package.identifier))
    base_version = None
    if framework is None:
        policy.require_import_framework(session, actor, organisation_id)
    else:
        policy.require_import_framework(session, actor, framework.organisation_id)
        if organisation_id is not None and organisation_id != framework.organisation_id:
            raise Conflict(
                f"the framework {package.identifier} is already stored, owned by "
                f"{_owner(framework)}; import it there", [FieldError(
                    "differs from the existing framework's owner", field="organisation_id")])
        pending = draft_of(framework)
        if pending is not None:
            raise Conflict(f"version {pending.number} of this framework is a draft; publish or "
                           "delete it before importing a new version")
        base_version = latest_version(framework)
    base = to_package(base_version) if base_version is not None else None
    if source == "csv" and base is not None:
        package = case.merge_csv(package, base)
    package = case.assign_uris(_resolve_links(session, package, source), base_url)
    if base_version is not None and base is not None and case.same_content(package, base):
        assert framework is not None
        return ImportResult(framework, base_version, False, False, source)
    created = framework is None
    if framework is None:
        framework = Framework(organisation_id=organisation_id, identifier=package.identifier,
                              title=package.title, created_at=now)
        session.add(framework)
        number = 1
    else:
        number = max(v.number for v in framework.versions) + 1
    version = _store(session, framework, number, case.freeze_order(package),
                     STATUS_DRAFT if draft else STATUS_PUBLISHED, now)
    if not draft:
        framework.title = version.title
    session.flush()
    return ImportResult(framework, version, created, True, source)


def _owner(framework: Framework) -> str:
    if framework.organisation_id is None:
        return "no organisation (shared)"
    return f"organisation {framework.organisation_id}"


def _resolve_links(session: Session, package: case.Package, source: str) -> case.Package:
    """Cross-framework links need a URI: from the input, else from a stored framework."""
    local = {item.identifier for item in package.items} | {package.identifier}
    unknown = {a.destination for a in package.associations
               if a.destination not in local and not a.destination_uri}
    found = stored_items(session, unknown)
    errors, links = [], []
    for link in package.associations:
        if link.destination in local or link.destination_uri:
            links.append(link)
            continue
        target = found.get(link.destination)
        if target is None:
            message = (f"{link.association_type} target {link.destination} is neither in this "
                       "file nor an item of a framework stored here (import that one first)")
            errors.append(FieldError(message, field="associations", row=link.line)
                          if source == "csv" else FieldError(
                              message + ", and the link gives no uri",
                              field=f"CFAssociations[{link.line}].destinationNodeURI.uri"))
            continue
        links.append(replace(link, destination_uri=target.uri,
                             destination_title=link.destination_title
                             or title_of(target, target.version.language)))
    if errors:
        raise ValidationFailed(f"{len(errors)} link{'s' if len(errors) != 1 else ''} point "
                               "nowhere; nothing was imported", errors)
    return replace(package, associations=links)


def _store(session: Session, framework: Framework, number: int, package: case.Package,
           status: str, now: datetime) -> FrameworkVersion:
    version = FrameworkVersion(
        framework=framework, number=number, status=status, title=package.title,
        title_i18n=dict(package.title_i18n), description_i18n=dict(package.description_i18n),
        language=package.language, created_at=now,
        published_at=now if status == STATUS_PUBLISHED else None,
        document=copy.deepcopy({
            "uri": package.uri, "CFDocument": package.document,
            "CFDefinitions": package.definitions, "CFRubrics": package.rubrics,
            "extra": package.extra, "keys": package.keys}))
    session.add(version)
    ids = {item.identifier: uuid.uuid4() for item in package.items}
    # Parents first: PostgreSQL checks the parent foreign key row by row.
    for item in case.tree_order(package.items):
        session.add(FrameworkItem(
            id=ids[item.identifier], version=version, identifier=item.identifier, uri=item.uri,
            parent_id=ids.get(item.parent) if item.parent else None,
            human_code=item.human_code, item_type=item.item_type, type_title=item.type_title,
            labels=dict(item.labels), statements=dict(item.statements),
            position=item.position, language=item.language, notes=item.notes,
            extra=copy.deepcopy({"case": item.raw, "child_of": item.child_of,
                                 "order": item.order, "child_of_order": item.child_of_order})))
    _flush(session)
    for link in package.associations:
        session.add(FrameworkAssociation(
            version=version, identifier=link.identifier,
            association_type=link.association_type, origin_id=ids[link.origin],
            destination_identifier=link.destination, destination_id=ids.get(link.destination),
            destination_uri=link.destination_uri,
            destination_title=(link.destination_title or "")[:1000] or None,
            sequence_number=link.sequence_number, position=link.order,
            extra=copy.deepcopy({"case": link.raw})))
    _flush(session)
    return version


def _flush(session: Session) -> None:
    """Flush; a unique constraint hit means someone stored the same framework or version
    number meanwhile (two imports at once): a conflict, not an internal error."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("the framework changed meanwhile (another import or draft at the same "
                       "time); reload and try again") from None
