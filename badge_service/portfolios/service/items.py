"""Evidence items: create, revise (a new version), delete, read — for their owner.

Input is a plain dict (the API's JSON, a page's form, a command's options), validated here so
that every door refuses the same things with the same words. A refused item changes nothing:
validation, then the file check, happen before anything is added to the session.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.adapters.evidence_store import EvidenceStore
from badge_service.db import get_or_not_found
from badge_service.errors import Conflict, FieldError, NotFound, ValidationFailed
from badge_service.formats import rich_text
from badge_service.portfolios.models import (
    KIND_FILE,
    KIND_LINK,
    KIND_REFLECTION,
    KINDS,
    PortfolioItem,
    PortfolioItemVersion,
    PortfolioTag,
)
from badge_service.portfolios.service import competences as competence_tags
from badge_service.portfolios.service.files import CheckedFile, FileRules, Upload, keep, receive

MAX_TITLE = 300
MAX_DESCRIPTION = 5_000
MAX_URL = 2_000
MAX_REFLECTION = 100_000


def _text(data: dict[str, Any], name: str, limit: int, errors: list[FieldError], *,
          required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append(FieldError("must be text", field=name))
        return ""
    value = value.strip()
    if required and not value:
        errors.append(FieldError("is required", field=name))
    if len(value) > limit:
        errors.append(FieldError(f"at most {limit} characters", field=name))
    return value


def _url(value: str, errors: list[FieldError]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.append(FieldError("must be an http:// or https:// address", field="url"))
    return value


def _fields(data: dict[str, Any], kind: str, previous: PortfolioItemVersion | None,
            ) -> dict[str, Any]:
    """The new version's fields; what ``data`` leaves out is kept from ``previous``."""
    merged: dict[str, Any] = {}
    if previous is not None:
        merged = {"title": previous.title, "description": previous.description,
                  "url": previous.url, "body_html": previous.body_html}
    errors: list[FieldError] = []
    if previous is None or "title" in data:
        merged["title"] = _text(data, "title", MAX_TITLE, errors, required=True)
    if "description" in data:
        merged["description"] = _text(data, "description", MAX_DESCRIPTION, errors)
    merged.setdefault("description", "")
    if kind == KIND_LINK and (previous is None or "url" in data):
        merged["url"] = _url(_text(data, "url", MAX_URL, errors, required=True), errors)
    if kind == KIND_REFLECTION and (previous is None or "text" in data):
        text = _text(data, "text", MAX_REFLECTION, errors, required=True)
        text_format = data.get("text_format") or "text"
        if text_format not in rich_text.FORMATS:
            errors.append(FieldError("must be 'text' or 'html'", field="text_format"))
        elif text:
            merged["body_html"] = rich_text.sanitise(text, text_format)
            if not rich_text.plain_text(merged["body_html"]):
                errors.append(FieldError("has no text once cleaned", field="text"))
    if errors:
        raise ValidationFailed("the evidence item is not valid", errors)
    return merged


def _kind(data: dict[str, Any]) -> str:
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValidationFailed("say what kind of evidence this is", [
            FieldError("must be one of " + ", ".join(KINDS), field="kind")])
    return str(kind)


def _add_version(session: Session, item: PortfolioItem, fields: dict[str, Any],
                 tags: list[Any], checked: CheckedFile | None,
                 previous: PortfolioItemVersion | None, now: datetime) -> PortfolioItemVersion:
    version = PortfolioItemVersion(
        item=item, number=(previous.number + 1) if previous else 1, created_at=now, **fields)
    if checked is not None:
        version.file_sha256 = checked.staged.sha256
        version.file_name = checked.filename
        version.file_type = checked.media_type
        version.file_size = checked.staged.size
    elif previous is not None:
        version.file_sha256, version.file_name = previous.file_sha256, previous.file_name
        version.file_type, version.file_size = previous.file_type, previous.file_size
    version.tags = [PortfolioTag(framework_item_id=c.id, position=n) for n, c in enumerate(tags)]
    item.updated_at = now
    session.add(version)
    return version


def create(session: Session, owner: User, data: dict[str, Any], *, upload: Upload | None,
           store: EvidenceStore, rules: FileRules, now: datetime) -> PortfolioItem:
    kind = _kind(data)
    fields = _fields(data, kind, None)
    tags = competence_tags.resolve(session, owner, data.get("competences") or [])
    if kind == KIND_FILE and upload is None:
        raise ValidationFailed("choose the file to upload", [
            FieldError("a file is required", field="file")])
    if kind != KIND_FILE and upload is not None:
        raise ValidationFailed(f"a {kind} holds no file", [
            FieldError("only evidence of kind 'file' holds a file", field="file")])
    checked = receive(upload, store=store, rules=rules) if upload is not None else None
    item = PortfolioItem(owner=owner, kind=kind, created_at=now, updated_at=now)
    session.add(item)
    _add_version(session, item, fields, tags, checked, None, now)
    session.flush()
    if checked is not None:
        keep(checked, store)
    return item


def revise(session: Session, user: User, item_id: uuid.UUID, data: dict[str, Any], *,
           upload: Upload | None, store: EvidenceStore, rules: FileRules,
           now: datetime) -> PortfolioItemVersion:
    """Write the item's next version: the fields given replace the current version's, the
    others are kept (``competences``, when given, replaces the whole list)."""
    item = get(session, user, item_id, edit=True)
    previous = item.current
    if "kind" in data and data["kind"] != item.kind:
        raise ValidationFailed("an evidence item keeps its kind", [
            FieldError(f"this item is a {item.kind}", field="kind")])
    fields = _fields(data, item.kind, previous)
    if "competences" in data:
        tags = competence_tags.resolve(session, user, data.get("competences") or [])
    else:
        tags = [t.competence for t in previous.tags]
    if upload is not None and item.kind != KIND_FILE:
        raise ValidationFailed(f"a {item.kind} holds no file", [
            FieldError("only evidence of kind 'file' holds a file", field="file")])
    checked = receive(upload, store=store, rules=rules) if upload is not None else None
    version = _add_version(session, item, fields, tags, checked, previous, now)
    session.flush()
    if checked is not None:
        keep(checked, store)
    return version


def delete(session: Session, user: User, item_id: uuid.UUID) -> None:
    item = get(session, user, item_id, edit=True)
    if any(v.frozen_at is not None for v in item.versions):
        raise Conflict("this item was submitted for assessment: it is kept as the evidence "
                       "that was assessed")
    session.delete(item)
    session.flush()


def get(session: Session, user: User, item_id: uuid.UUID, *, edit: bool = False,
        ) -> PortfolioItem:
    item = get_or_not_found(session, PortfolioItem, item_id, "evidence item")
    if edit:
        policy.require_edit_portfolio_item(user, item)
    else:
        policy.require_view_portfolio_item(session, user, item)
    return item


def version(session: Session, user: User, item_id: uuid.UUID, number: int,
            ) -> PortfolioItemVersion:
    item = get(session, user, item_id)
    for candidate in item.versions:
        if candidate.number == number:
            return candidate
    raise NotFound(f"no version {number} of evidence item {item_id}")


def owned_by(user: User) -> Select:
    """The user's items, the most recently changed first."""
    return select(PortfolioItem).where(PortfolioItem.owner_id == user.id).order_by(
        PortfolioItem.updated_at.desc(), PortfolioItem.id)
