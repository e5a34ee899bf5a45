"""OB ``Profile`` (issuer, endorser) and the small objects it is made of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._fields import (
    _enum,
    _iri,
    _object,
    _objects,
    _put,
    _put_endorsements,
    _string,
    _text,
)
from .vocabulary import (
    IDENTIFIER_TYPES,
    Json,
    Text,
)


def image(id: str, caption: Text | None = None, *, language: str | None = None) -> Json:
    """An OB ``Image`` (``id`` is the image URL or a ``data:`` URI)."""
    out: Json = {"id": _iri(id, "image.id"), "type": "Image"}
    if caption is not None:
        out["caption"] = _text(caption, language, "image.caption")
    return out


def _image_value(value: object, field: str) -> Json | None:
    if value is None:
        return None
    if isinstance(value, str):
        return image(value)
    return _object(value, field, type_="Image")


def identifier_entry(identifier: str, identifier_type: str) -> Json:
    """An ``IdentifierEntry`` for ``otherIdentifier`` lists."""
    return {
        "type": "IdentifierEntry",
        "identifier": _string(identifier, "identifier"),
        "identifierType": _enum(identifier_type, IDENTIFIER_TYPES, "identifier_type"),
    }


def profile(
    id: str,
    name: Text,
    *,
    url: str | None = None,
    email: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    description: Text | None = None,
    phone: str | None = None,
    official: str | None = None,
    address: Mapping[str, Any] | None = None,
    parent_org: Mapping[str, Any] | None = None,
    other_identifiers: Sequence[Mapping[str, Any]] = (),
    endorsements: Sequence[Mapping[str, Any]] = (),
    endorsement_jwts: Sequence[str] = (),
    language: str | None = None,
) -> Json:
    """An issuer (or endorser) ``Profile``."""
    out: Json = {"id": _iri(id, "profile.id"), "type": ["Profile"]}
    out["name"] = _text(name, language, "profile.name")
    _put(out, "url", None if url is None else _iri(url, "profile.url"))
    _put(out, "email", None if email is None else _string(email, "profile.email"))
    _put(out, "phone", None if phone is None else _string(phone, "profile.phone"))
    _put(
        out,
        "description",
        None if description is None else _text(description, language, "profile.description"),
    )
    _put(out, "image", _image_value(image, "profile.image"))
    _put(out, "official", None if official is None else _string(official, "profile.official"))
    _put(
        out,
        "address",
        None if address is None else _object(address, "profile.address", type_="Address"),
    )
    _put(
        out,
        "parentOrg",
        None if parent_org is None else _object(parent_org, "profile.parent_org", type_="Profile"),
    )
    _put(
        out,
        "otherIdentifier",
        _objects(other_identifiers, "profile.other_identifiers", type_="IdentifierEntry"),
    )
    _put_endorsements(out, endorsements, endorsement_jwts, "profile.")
    return out
