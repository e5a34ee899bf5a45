"""Versions: a draft of the next version, its title and description, publishing, discarding.
A published version never changes; publishing one appends an audit entry."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.audit import service as audit
from badge_service.errors import Conflict, FieldError, NotFound, ValidationFailed
from badge_service.formats import case
from badge_service.frameworks.models import (
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Framework,
    FrameworkVersion,
)
from badge_service.frameworks.service.export import _iso, export_case, to_package
from badge_service.frameworks.service.importing import _store
from badge_service.frameworks.service.lookup import draft_of, latest_version
from badge_service.frameworks.service.uses import items_in_use, version_in_use

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_TEXT = 20_000


def _require_draft(version: FrameworkVersion) -> None:
    if version.status != STATUS_DRAFT:
        raise Conflict(f"version {version.number} of «{version.title}» is published and cannot "
                       "change; create a draft of the next version to edit it")


def create_draft(session: Session, actor: User | None, framework: Framework, *,
                 now: datetime) -> FrameworkVersion:
    """A draft of the next version: a copy of the latest version, identifiers kept."""
    policy.require_import_framework(session, actor, framework.organisation_id)
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
    policy.require_import_framework(session, actor, version.framework.organisation_id)
    _require_draft(version)
    # What is published must read back as a valid CASE package.
    check = case.parse_package(export_case(version))
    if check.errors:
        raise ValidationFailed("the draft cannot be published as it is", check.errors)
    before = {"status": version.status, "number": version.number}
    version.status = STATUS_PUBLISHED
    version.published_at = now
    version.framework.title = version.title
    session.flush()
    # In the publication's transaction; a framework has no programme, so the entry is its
    # organisation's (none for a shared framework).
    audit.record(session, actor=actor, action="framework.published",
                 subject_type="framework_version", subject_id=version.id, now=now,
                 organisation_id=version.framework.organisation_id,
                 summary=f"version {version.number} of «{version.title}» published",
                 before=before, after={"status": version.status, "number": version.number,
                                       "framework_id": version.framework_id,
                                       "identifier": version.framework.identifier,
                                       "published_at": now})
    return version


def delete_draft(session: Session, actor: User | None, version: FrameworkVersion) -> None:
    """Discard a draft; a framework whose only version it was goes with it."""
    framework = version.framework
    policy.require_import_framework(session, actor, framework.organisation_id)
    _require_draft(version)
    if version_in_use(session, version) or items_in_use(session, [i.id for i in version.items]):
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
    policy.require_import_framework(session, actor, version.framework.organisation_id)
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
