"""The OB ``Achievement``, its criteria and its alternate language editions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._fields import (
    _enum,
    _fail,
    _iri,
    _language,
    _number,
    _object,
    _objects,
    _put,
    _put_endorsements,
    _string,
    _strings,
    _text_parts,
)
from .profile import _image_value
from .vocabulary import (
    ACHIEVEMENT_TYPES,
    Json,
    Text,
)


def achievement(
    id: str,
    name: Text,
    description: Text,
    criteria_narrative: Text | None = None,
    criteria_id: str | None = None,
    *,
    achievement_type: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
    result_descriptions: Sequence[Mapping[str, Any]] = (),
    in_language: str | None = None,
    language_editions: Mapping[str, str] | None = None,
    creator: Mapping[str, Any] | None = None,
    tags: Sequence[str] = (),
    human_code: str | None = None,
    field_of_study: str | None = None,
    specialization: str | None = None,
    credits_available: float | None = None,
    version: str | None = None,
    other_identifiers: Sequence[Mapping[str, Any]] = (),
    related: Sequence[Mapping[str, Any]] = (),
    endorsements: Sequence[Mapping[str, Any]] = (),
    endorsement_jwts: Sequence[str] = (),
) -> Json:
    """An ``Achievement``. ``criteria_narrative`` (Markdown) and/or ``criteria_id`` is required.

    Localised ``name``/``description``/``criteria_narrative`` follow the module docstring:
    ``in_language`` (default: first language given) is the main language; each other language
    becomes a ``related`` edition whose IRI is ``language_editions[lang]`` or, by default,
    ``<id>#<lang>`` (pass real URLs when the editions are published).
    """
    ach_id = _iri(id, "achievement.id")
    if criteria_narrative is None and criteria_id is None:
        raise _fail(
            "achievement needs criteria: a criteria_narrative, a criteria_id or both",
            "achievement.criteria",
        )
    main = None if in_language is None else _language(in_language, "achievement.in_language")
    if main is None:
        for value in (name, description, criteria_narrative):
            if isinstance(value, Mapping) and value:
                main = _language(next(iter(value)), "achievement.in_language")
                break
    editions: dict[str, Json] = {}
    fields: Json = {}
    for key, value in (
        ("name", name),
        ("description", description),
        ("narrative", criteria_narrative),
    ):
        if value is None:
            continue
        text, _, others = _text_parts(value, main, f"achievement.{key}")
        fields[key] = text
        if key != "narrative":
            for tag, other in others.items():
                editions.setdefault(tag, {})[key] = other

    out: Json = {"id": ach_id, "type": ["Achievement"]}
    _put(
        out,
        "achievementType",
        None
        if achievement_type is None
        else _enum(achievement_type, ACHIEVEMENT_TYPES, "achievement.achievement_type"),
    )
    out["name"] = fields["name"]
    out["description"] = fields["description"]
    criteria: Json = {}
    _put(
        criteria,
        "id",
        None if criteria_id is None else _iri(criteria_id, "achievement.criteria_id"),
    )
    _put(criteria, "narrative", fields.get("narrative"))
    out["criteria"] = criteria
    _put(out, "image", _image_value(image, "achievement.image"))
    _put(out, "inLanguage", main)
    _put(out, "alignment", _objects(alignments, "achievement.alignments", type_="Alignment"))
    rds = _objects(
        result_descriptions, "achievement.result_descriptions", type_="ResultDescription"
    )
    rd_ids = [rd.get("id") for rd in rds]
    if len(set(rd_ids)) != len(rd_ids):
        raise _fail(
            "achievement.result_descriptions have duplicate ids", "achievement.result_descriptions"
        )
    _put(out, "resultDescription", rds)
    _put(
        out,
        "creator",
        None if creator is None else _object(creator, "achievement.creator", type_="Profile"),
    )
    _put(out, "tag", _strings(tags, "achievement.tags"))
    _put(
        out,
        "humanCode",
        None if human_code is None else _string(human_code, "achievement.human_code"),
    )
    _put(
        out,
        "fieldOfStudy",
        None if field_of_study is None else _string(field_of_study, "achievement.field_of_study"),
    )
    _put(
        out,
        "specialization",
        None if specialization is None else _string(specialization, "achievement.specialization"),
    )
    _put(out, "creditsAvailable", _number(credits_available, "achievement.credits_available"))
    _put(out, "version", None if version is None else _string(version, "achievement.version"))
    _put(
        out,
        "otherIdentifier",
        _objects(other_identifiers, "achievement.other_identifiers", type_="IdentifierEntry"),
    )
    related_out = _objects(related, "achievement.related", type_="Related")
    explicit_ids = dict(language_editions or {})
    for tag, texts in editions.items():
        edition_id = explicit_ids.get(tag)
        if edition_id is None:
            if "#" in ach_id:
                raise _fail(
                    f"achievement.id has a fragment, so the {tag!r} edition needs an "
                    "IRI in language_editions",
                    "achievement.language_editions",
                )
            edition_id = f"{ach_id}#{tag}"
        related_out.append(
            {
                "id": _iri(edition_id, f"achievement.language_editions[{tag!r}]"),
                "type": ["Related"],
                "inLanguage": tag,
                **texts,
            }
        )
    _put(out, "related", related_out)
    _put_endorsements(out, endorsements, endorsement_jwts, "achievement.")
    return out
