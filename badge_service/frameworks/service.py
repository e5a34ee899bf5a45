"""Competency frameworks: import and export (CASE 1.1 JSON, CSV), versions, drafts, items.

Rules:

- Importing a package whose CFDocument identifier is new creates a framework and its version 1,
  published (or a draft on request). Re-importing the same identifier adds the next version when
  the content differs, and changes nothing when it does not.
- A published version never changes (credentials point at its items): every edit goes to a draft
  of the next version, which copies the items with their identifiers. One draft at a time.
- Administrators import and edit shared frameworks (no organisation); coordinators import and
  edit those of their organisation; every logged-in user may read. ``actor=None`` is the operator
  at the command line, who already has the whole database.

Services flush, never commit; they take ``now`` and, where URIs are minted, ``base_url``.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badge_service.accounts.models import OrganisationRole, User
from badge_service.accounts.service import users as accounts
from badge_service.achievements.models import Achievement, AchievementAlignment
from badge_service.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
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
from badge_service.organisations import service as organisations

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_TEXT = 20_000


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- authorisation ---------------------------------------------------------------------------


def can_import(session: Session, actor: User | None, organisation_id: uuid.UUID | None) -> bool:
    if actor is None:
        return True
    if organisation_id is None:
        return actor.is_administrator
    return accounts.is_coordinator(session, actor, organisation_id)


def can_edit(session: Session, actor: User | None, framework: Framework) -> bool:
    return can_import(session, actor, framework.organisation_id)


def _require(session: Session, actor: User | None, organisation_id: uuid.UUID | None) -> None:
    if can_import(session, actor, organisation_id):
        return
    if organisation_id is None:
        raise Forbidden("only an administrator can import or edit a framework shared by every "
                        "organisation")
    raise Forbidden("only a coordinator of the framework's organisation can import or edit it")


def require_edit(session: Session, actor: User | None, framework: Framework) -> None:
    _require(session, actor, framework.organisation_id)


def may_import_any(session: Session, actor: User | None) -> bool:
    """Whether the user may import at all (administrator, or coordinator of something)."""
    if actor is None or actor.is_administrator:
        return True
    return session.scalar(select(OrganisationRole.id).where(
        OrganisationRole.user_id == actor.id).limit(1)) is not None


# --- reading ---------------------------------------------------------------------------------


def get(session: Session, framework_id: uuid.UUID) -> Framework:
    framework = session.get(Framework, framework_id)
    if framework is None:
        raise NotFound(f"no framework {framework_id}")
    return framework


def find(session: Session, reference: str) -> Framework:
    """A framework by database id or by CASE (CFDocument) identifier."""
    try:
        framework = session.get(Framework, uuid.UUID(reference))
    except ValueError:
        framework = None
    if framework is None:
        framework = session.scalar(select(Framework).where(Framework.identifier == reference))
    if framework is None:
        raise NotFound(f"no framework with id or identifier {reference!r}")
    return framework


def get_version(session: Session, version_id: uuid.UUID) -> FrameworkVersion:
    version = session.get(FrameworkVersion, version_id)
    if version is None:
        raise NotFound(f"no framework version {version_id}")
    return version


def get_item(session: Session, item_id: uuid.UUID) -> FrameworkItem:
    item = session.get(FrameworkItem, item_id)
    if item is None:
        raise NotFound(f"no framework item {item_id}")
    return item


def list_query(*, organisation_id: uuid.UUID | None = None, identifier: str | None = None,
               shared: bool | None = None) -> Select:
    query = select(Framework).order_by(Framework.title, Framework.identifier)
    if organisation_id is not None:
        query = query.where(Framework.organisation_id == organisation_id)
    if shared is not None:
        query = query.where(Framework.organisation_id.is_(None) if shared
                            else Framework.organisation_id.is_not(None))
    if identifier is not None:
        query = query.where(Framework.identifier == identifier)
    return query


def latest_version(framework: Framework, *, published: bool = False) -> FrameworkVersion | None:
    versions = [v for v in framework.versions
                if not published or v.status == STATUS_PUBLISHED]
    return max(versions, key=lambda v: v.number, default=None)


def current_version(framework: Framework) -> FrameworkVersion | None:
    """What people should see and use: the latest published version, else the draft."""
    return latest_version(framework, published=True) or latest_version(framework)


def draft_of(framework: Framework) -> FrameworkVersion | None:
    return next((v for v in framework.versions if v.status == STATUS_DRAFT), None)


def _children(items: Iterable[FrameworkItem]) -> dict[uuid.UUID | None, list[FrameworkItem]]:
    items = list(items)
    known = {item.id for item in items}
    children: dict[uuid.UUID | None, list[FrameworkItem]] = {}
    for item in items:
        children.setdefault(item.parent_id if item.parent_id in known else None, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, _order(i), i.identifier))
    return children


def _order(item: FrameworkItem) -> int:
    order = (item.extra or {}).get("order")
    return order if isinstance(order, int) else 1 << 30


def tree(version: FrameworkVersion) -> list[tuple[FrameworkItem, int]]:
    """Every item of the version with its depth (0 = top level), parents first."""
    children = _children(version.items)
    out: list[tuple[FrameworkItem, int]] = []
    stack = [(item, 0) for item in reversed(children.get(None, []))]
    while stack:
        item, depth = stack.pop()
        out.append((item, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(item.id, [])))
    return out


def descendants(version: FrameworkVersion, item: FrameworkItem) -> list[FrameworkItem]:
    """The item and everything under it, in tree order (parents first, siblings in order)."""
    children = _children(version.items)
    out, stack = [], [item]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children.get(current.id, [])))
    return out


def levels(session: Session, version: FrameworkVersion) -> list[FrameworkItem]:
    """The proficiency levels of a version, lowest first (DigCompEdu: A1 Newcomer … C2 Pioneer).

    Order: the ``precedes`` chain between levels when there is one, else the tree order."""
    ordered = [item for item, _ in tree(version) if item.item_type == "level"]
    rank = {item.id: index for index, item in enumerate(ordered)}
    before: dict[uuid.UUID, set[uuid.UUID]] = {item.id: set() for item in ordered}
    for link in version.associations:
        if (link.association_type == "precedes" and link.origin_id in rank
                and link.destination_id in rank):
            before[link.destination_id].add(link.origin_id)
    out: list[FrameworkItem] = []
    placed: set[uuid.UUID] = set()
    while len(out) < len(ordered):
        ready = [item for item in ordered if item.id not in placed
                 and before[item.id] <= placed]
        if not ready:  # a precedes cycle: fall back to the tree order for the rest
            ready = [item for item in ordered if item.id not in placed]
        choice = min(ready, key=lambda item: rank[item.id])
        out.append(choice)
        placed.add(choice.id)
    return out


def find_item(session: Session, version_id: uuid.UUID, reference: str) -> FrameworkItem:
    """An item of a version by CASE identifier, human code ("2.1", "A1") or URI."""
    base = select(FrameworkItem).where(FrameworkItem.version_id == version_id)
    item = session.scalar(base.where(FrameworkItem.identifier == reference))
    if item is not None:
        return item
    matches = session.scalars(base.where(FrameworkItem.human_code == reference)).all()
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValidationFailed(f"several items have the code {reference!r}; use the identifier",
                               [FieldError("ambiguous code", field="item")])
    item = session.scalar(base.where(FrameworkItem.uri == reference))
    if item is None:
        raise NotFound(f"no item {reference!r} in this framework version")
    return item


def stored_items(session: Session, identifiers: Iterable[str]) -> dict[str, FrameworkItem]:
    """Items of stored frameworks by CASE identifier (cross-framework link targets), taken from
    the latest published version that has them."""
    wanted = set(identifiers)
    if not wanted:
        return {}
    rows = session.execute(
        select(FrameworkItem, FrameworkVersion)
        .join(FrameworkVersion, FrameworkItem.version_id == FrameworkVersion.id)
        .where(FrameworkItem.identifier.in_(wanted))).all()
    best: dict[str, tuple[tuple[bool, int], FrameworkItem]] = {}
    for item, version in rows:
        key = (version.status == STATUS_PUBLISHED, version.number)
        if item.identifier not in best or key > best[item.identifier][0]:
            best[item.identifier] = (key, item)
    return {identifier: item for identifier, (_, item) in best.items()}


def rubrics(version: FrameworkVersion) -> list[dict[str, Any]]:
    """The CASE CFRubrics of the version (e.g. DigCompEdu: one criterion per competence, six
    levels each), as imported."""
    return copy.deepcopy((version.document or {}).get("CFRubrics") or [])


def title_of(item: FrameworkItem, language: str) -> str:
    return case.item_title(_plain_item(item, {}), language)


# --- conversion ------------------------------------------------------------------------------


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
    stem = re.sub(r"[^a-z0-9]+", "-", case._fold(version.title)).strip("-")[:60] or "framework"
    return f"{stem}-v{version.number}.{'json' if fmt == 'case' else 'csv'}"


# --- import ----------------------------------------------------------------------------------


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
    if not may_import_any(session, actor):
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
    if not may_import_any(session, actor):
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
        _require(session, actor, organisation_id)
    else:
        require_edit(session, actor, framework)
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


# --- versions --------------------------------------------------------------------------------


def _require_draft(version: FrameworkVersion) -> None:
    if version.status != STATUS_DRAFT:
        raise Conflict(f"version {version.number} of «{version.title}» is published and cannot "
                       "change; create a draft of the next version to edit it")


def create_draft(session: Session, actor: User | None, framework: Framework, *,
                 now: datetime) -> FrameworkVersion:
    """A draft of the next version: a copy of the latest version, identifiers kept."""
    require_edit(session, actor, framework)
    pending = draft_of(framework)
    if pending is not None:
        raise Conflict(f"version {pending.number} is already a draft; edit or publish it")
    base = latest_version(framework)
    if base is None:
        raise NotFound("the framework has no version to copy")
    package = to_package(base)
    return _store(session, framework, base.number + 1, package, STATUS_DRAFT, now)


def publish(session: Session, actor: User | None, version: FrameworkVersion, *,
            now: datetime) -> FrameworkVersion:
    require_edit(session, actor, version.framework)
    _require_draft(version)
    # What is published must read back as a valid CASE package.
    check = case.parse_package(export_case(version))
    if check.errors:
        raise ValidationFailed("the draft cannot be published as it is", check.errors)
    version.status = STATUS_PUBLISHED
    version.published_at = now
    version.framework.title = version.title
    session.flush()
    return version


def delete_draft(session: Session, actor: User | None, version: FrameworkVersion) -> None:
    """Discard a draft; a framework whose only version it was goes with it."""
    framework = version.framework
    require_edit(session, actor, framework)
    _require_draft(version)
    used = session.scalar(select(Achievement.id).where(
        Achievement.level_scale_version_id == version.id).limit(1))
    if used is not None or _aligned(session, [i.id for i in version.items]):
        raise Conflict("achievements use this draft (alignments or level scale); change them "
                       "before deleting it")
    # The database cascades to items and links; ORM deletes of a self-referencing tree would
    # race those cascades.
    if len(framework.versions) == 1:
        session.execute(delete(Framework).where(Framework.id == framework.id),
                        execution_options={"synchronize_session": False})
    else:
        session.execute(delete(FrameworkVersion).where(FrameworkVersion.id == version.id),
                        execution_options={"synchronize_session": False})
    session.expire_all()


def _aligned(session: Session, item_ids: list[uuid.UUID]) -> bool:
    if not item_ids:
        return False
    return session.scalar(select(AchievementAlignment.id).where(
        AchievementAlignment.framework_item_id.in_(item_ids)).limit(1)) is not None


def _texts(value: Any, field: str, errors: list[FieldError]) -> dict[str, str | None]:
    """A {language: text} change; None or "" removes a language."""
    if not isinstance(value, dict):
        errors.append(FieldError("must be an object {language: text}", field=field))
        return {}
    out: dict[str, str | None] = {}
    for lang, text in value.items():
        if not isinstance(lang, str) or not _LANGUAGE.match(lang):
            errors.append(FieldError("keys must be language tags such as 'fr'", field=field))
        elif text is not None and not isinstance(text, str):
            errors.append(FieldError("must be text", field=f"{field}.{lang}"))
        elif text is not None and len(text) > MAX_TEXT:
            errors.append(FieldError(f"longer than {MAX_TEXT} characters", field=f"{field}.{lang}"))
        elif text is not None and "\x00" in text:
            errors.append(FieldError("contains a NUL character", field=f"{field}.{lang}"))
        else:
            out[lang] = text.strip() if isinstance(text, str) else None
    return out


def _or_empty(value: Any) -> Any:
    return {} if value is None else value


def _merged(current: dict[str, Any], change: dict[str, str | None]) -> dict[str, str]:
    out = {k: v for k, v in (current or {}).items() if v}
    for lang, text in change.items():
        if text:
            out[lang] = text
        else:
            out.pop(lang, None)
    return out


def _touch_document(version: FrameworkVersion, now: datetime) -> None:
    document = copy.deepcopy(version.document or {})
    raw = document.get("CFDocument")
    if isinstance(raw, dict) and "identifier" in raw:
        raw["lastChangeDateTime"] = _iso(now)
        version.document = document


def update_version(session: Session, actor: User | None, version: FrameworkVersion,
                   changes: dict[str, Any], *, now: datetime) -> FrameworkVersion:
    """Change a draft's title and description ({language: text} each)."""
    require_edit(session, actor, version.framework)
    _require_draft(version)
    errors: list[FieldError] = []
    title = _merged(version.title_i18n, _texts(changes.get("title_i18n", {}), "title_i18n",
                                               errors))
    description = _merged(version.description_i18n,
                          _texts(changes.get("description_i18n", {}), "description_i18n",
                                 errors))
    if not title.get(version.language):
        errors.append(FieldError(f"a title in the framework's language ({version.language}) is "
                                 "required", field=f"title_i18n.{version.language}"))
    for lang, text in title.items():
        if len(text) > case.MAX_TITLE:
            errors.append(FieldError(f"longer than {case.MAX_TITLE} characters",
                                     field=f"title_i18n.{lang}"))
    if errors:
        raise ValidationFailed("the framework's details are not valid", errors)
    version.title_i18n = title
    version.description_i18n = description
    version.title = title[version.language]
    _touch_document(version, now)
    session.flush()
    return version


# --- items of a draft ------------------------------------------------------------------------


def _check_item(session: Session, version: FrameworkVersion, data: dict[str, Any],
                item: FrameworkItem | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if "item_type" in data and data["item_type"] not in case.KINDS:
        errors.append(FieldError(f"must be one of {', '.join(case.KINDS)}", field="item_type"))
    for key, limit in (("human_code", case.MAX_CODE), ("type_title", case.MAX_TYPE_TITLE),
                       ("notes", MAX_TEXT)):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit
                                  or "\x00" in value):
            errors.append(FieldError(f"must be text of at most {limit} characters", field=key))
    if data.get("position") is not None and (
            isinstance(data["position"], bool) or not isinstance(data["position"], int)
            or data["position"] < 1):
        errors.append(FieldError("must be a whole number from 1", field="position"))
    if data.get("parent_id") is not None:
        parent = session.get(FrameworkItem, data["parent_id"])
        if parent is None or parent.version_id != version.id:
            errors.append(FieldError("no such item in this version", field="parent_id"))
        elif item is not None and parent in descendants(version, item):
            errors.append(FieldError("an item cannot move under itself or its descendants",
                                     field="parent_id"))
    return errors


def _place(version: FrameworkVersion, item: FrameworkItem, parent_id: uuid.UUID | None,
           position: int | None, *, new: bool = False) -> None:
    """Put ``item`` at ``position`` (1-based; None: last) among its new siblings; siblings are
    renumbered 1…n in the old and new places."""
    old_parent = item.parent_id
    siblings = sorted((i for i in version.items if i.parent_id == parent_id and i is not item),
                      key=lambda i: (i.position, _order(i), i.identifier))
    index = len(siblings) if position is None else max(0, min(position - 1, len(siblings)))
    siblings.insert(index, item)
    item.parent_id = parent_id
    for number, sibling in enumerate(siblings, start=1):
        sibling.position = number
    if old_parent != parent_id and not new:
        _renumber(version, old_parent, exclude=item)


def _renumber(version: FrameworkVersion, parent_id: uuid.UUID | None,
              exclude: FrameworkItem | None = None) -> None:
    siblings = sorted((i for i in version.items if i.parent_id == parent_id and i is not exclude),
                      key=lambda i: (i.position, _order(i), i.identifier))
    for number, sibling in enumerate(siblings, start=1):
        sibling.position = number


def add_item(session: Session, actor: User | None, version: FrameworkVersion,
             data: dict[str, Any], *, now: datetime) -> FrameworkItem:
    """Add an item to a draft. ``data``: item_type, labels, statements ({lang: text}),
    optional identifier, human_code, type_title, parent_id, position, notes."""
    require_edit(session, actor, version.framework)
    _require_draft(version)
    errors = _check_item(session, version, {"item_type": data.get("item_type"), **data}, None)
    identifier = data.get("identifier") or str(uuid.uuid4())
    if not isinstance(identifier, str) or not re.match(r"^\S{1,200}$", identifier):
        errors.append(FieldError("1–200 characters without spaces", field="identifier"))
    elif identifier == version.framework.identifier or any(
            i.identifier == identifier for i in version.items):
        raise Conflict(f"identifier {identifier} is already used in this version",
                       [FieldError("already used", field="identifier")])
    labels = _merged({}, _texts(_or_empty(data.get("labels")), "labels", errors))
    statements = _merged({}, _texts(_or_empty(data.get("statements")), "statements", errors))
    if not labels and not statements:
        errors.append(FieldError("give at least a label or a statement", field="labels"))
    if errors:
        raise ValidationFailed("the item is not valid", errors)
    item = FrameworkItem(
        id=uuid.uuid4(), version=version, identifier=identifier,
        uri=case.sibling_uri((version.document or {}).get("uri"), "CFItems", identifier),
        human_code=data.get("human_code") or None, item_type=data["item_type"],
        type_title=data.get("type_title") or None, labels=labels, statements=statements,
        position=0, notes=data.get("notes") or None, extra={})
    session.add(item)
    _place(version, item, data.get("parent_id"), data.get("position"), new=True)
    _touch_document(version, now)
    session.flush()
    return item


def update_item(session: Session, actor: User | None, item: FrameworkItem,
                changes: dict[str, Any], *, now: datetime) -> FrameworkItem:
    """Change an item of a draft. ``changes`` may hold human_code, item_type, type_title,
    notes, labels/statements ({lang: text or None}), parent_id (None: top level), position."""
    version = item.version
    require_edit(session, actor, version.framework)
    _require_draft(version)
    unknown = set(changes) - {"human_code", "item_type", "type_title", "notes", "labels",
                              "statements", "parent_id", "position"}
    errors = [FieldError("cannot be changed here", field=key) for key in sorted(unknown)]
    errors += _check_item(session, version, changes, item)
    labels = _merged(item.labels, _texts(_or_empty(changes.get("labels")), "labels", errors))
    statements = _merged(item.statements, _texts(_or_empty(changes.get("statements")),
                                                 "statements", errors))
    if not labels and not statements:
        errors.append(FieldError("an item keeps at least a label or a statement",
                                 field="labels"))
    if "item_type" in changes and not changes["item_type"]:
        errors.append(FieldError("is required", field="item_type"))
    if errors:
        raise ValidationFailed("the item is not valid", errors)
    item.labels, item.statements = labels, statements
    for key in ("human_code", "type_title", "notes"):
        if key in changes:
            setattr(item, key, changes[key] or None)
    if changes.get("item_type"):
        item.item_type = changes["item_type"]
    if "parent_id" in changes or changes.get("position") is not None:
        parent_id = changes.get("parent_id", item.parent_id)
        _place(version, item, parent_id, changes.get("position"))
    extra = copy.deepcopy(item.extra or {})
    if "identifier" in (extra.get("case") or {}):
        extra["case"]["lastChangeDateTime"] = _iso(now)
        item.extra = extra
    _touch_document(version, now)
    session.flush()
    return item


def delete_item(session: Session, actor: User | None, item: FrameworkItem, *,
                now: datetime) -> int:
    """Remove an item of a draft with its descendants, the links from or to them and the
    rubric criteria about them. Returns how many items were removed."""
    version = item.version
    require_edit(session, actor, version.framework)
    _require_draft(version)
    doomed = descendants(version, item)
    ids = [i.id for i in doomed]
    if _aligned(session, ids):
        raise Conflict("achievements are aligned to this item or its sub-items; remove those "
                       "alignments first")
    document = copy.deepcopy(version.document or {})
    kept = {i.identifier for i in version.items if i.id not in set(ids)}
    if document.get("CFRubrics") is not None:
        document["CFRubrics"] = case.prune_rubrics(document["CFRubrics"], kept)
    version.document = document
    parent_id = item.parent_id
    session.flush()
    # One statement for the whole subtree: the database checks the tree's foreign keys at its
    # end (ORM deletes, row by row, would race the ON DELETE CASCADE).
    session.execute(delete(FrameworkAssociation).where(
        or_(FrameworkAssociation.origin_id.in_(ids),
            FrameworkAssociation.destination_id.in_(ids))),
        execution_options={"synchronize_session": False})
    session.execute(delete(FrameworkItem).where(FrameworkItem.id.in_(ids)),
                    execution_options={"synchronize_session": False})
    for doomed_item in doomed:
        session.expunge(doomed_item)
    session.expire(version, ["items", "associations"])
    _renumber(version, parent_id)
    _touch_document(version, now)
    session.flush()
    return len(doomed)
