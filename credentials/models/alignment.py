"""Alignments, result descriptions (rubrics and their levels) and achieved results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._fields import (
    _enum,
    _fail,
    _id_of,
    _iri,
    _objects,
    _put,
    _string,
    _string_value,
    _strings,
    _text,
)
from .vocabulary import (
    ALIGNMENT_TARGET_TYPES,
    RESULT_STATUSES,
    RESULT_TYPES,
    Json,
    Text,
)


def alignment(
    target_name: Text,
    target_url: str,
    *,
    target_type: str | None = None,
    target_framework: Text | None = None,
    target_code: str | None = None,
    target_description: Text | None = None,
    language: str | None = None,
) -> Json:
    """An ``Alignment`` to a framework node; ``target_type="CFItem"`` for a CASE item."""
    out: Json = {"type": ["Alignment"]}
    out["targetName"] = _text(target_name, language, "alignment.target_name")
    out["targetUrl"] = _iri(target_url, "alignment.target_url")
    _put(
        out,
        "targetType",
        None
        if target_type is None
        else _enum(target_type, ALIGNMENT_TARGET_TYPES, "alignment.target_type"),
    )
    _put(
        out,
        "targetFramework",
        None
        if target_framework is None
        else _text(target_framework, language, "alignment.target_framework"),
    )
    _put(
        out,
        "targetCode",
        None if target_code is None else _string(target_code, "alignment.target_code"),
    )
    _put(
        out,
        "targetDescription",
        None
        if target_description is None
        else _text(target_description, language, "alignment.target_description"),
    )
    return out


def rubric_criterion_level(
    id: str,
    name: Text,
    *,
    level: str | None = None,
    description: Text | None = None,
    points: str | float | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
    language: str | None = None,
) -> Json:
    """A ``RubricCriterionLevel`` (e.g. DigCompEdu level B1) of a ResultDescription."""
    out: Json = {"id": _iri(id, "rubric_criterion_level.id"), "type": ["RubricCriterionLevel"]}
    out["name"] = _text(name, language, "rubric_criterion_level.name")
    _put(out, "level", None if level is None else _string(level, "rubric_criterion_level.level"))
    _put(
        out,
        "description",
        None
        if description is None
        else _text(description, language, "rubric_criterion_level.description"),
    )
    _put(out, "points", _string_value(points, "rubric_criterion_level.points"))
    _put(
        out,
        "alignment",
        _objects(alignments, "rubric_criterion_level.alignments", type_="Alignment"),
    )
    return out


def result_description(
    id: str,
    name: Text,
    result_type: str,
    *,
    rubric_criterion_levels: Sequence[Mapping[str, Any]] = (),
    allowed_values: Sequence[str] = (),
    required_level: str | Mapping[str, Any] | None = None,
    required_value: str | None = None,
    value_min: str | float | None = None,
    value_max: str | float | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
    language: str | None = None,
) -> Json:
    """A ``ResultDescription``: a possible result, e.g. a rubric with levels A1..C2."""
    out: Json = {"id": _iri(id, "result_description.id"), "type": ["ResultDescription"]}
    out["name"] = _text(name, language, "result_description.name")
    out["resultType"] = _enum(result_type, RESULT_TYPES, "result_description.result_type")
    levels = _objects(
        rubric_criterion_levels,
        "result_description.rubric_criterion_levels",
        type_="RubricCriterionLevel",
    )
    level_ids = [lvl.get("id") for lvl in levels]
    required = _id_of(required_level, "result_description.required_level")
    if required is not None and required not in level_ids:
        raise _fail(
            f"result_description.required_level {required!r} is not the id of one of "
            "its rubric criterion levels",
            "result_description.required_level",
        )
    values = _strings(allowed_values, "result_description.allowed_values")
    if required_value is not None and values and required_value not in values:
        raise _fail(
            f"result_description.required_value {required_value!r} is not one of its "
            "allowed values",
            "result_description.required_value",
        )
    _put(out, "alignment", _objects(alignments, "result_description.alignments", type_="Alignment"))
    _put(out, "allowedValue", values)
    _put(out, "requiredLevel", required)
    _put(out, "requiredValue", _string_value(required_value, "result_description.required_value"))
    _put(out, "rubricCriterionLevel", levels)
    _put(out, "valueMin", _string_value(value_min, "result_description.value_min"))
    _put(out, "valueMax", _string_value(value_max, "result_description.value_max"))
    return out


def result(
    result_description: str | Mapping[str, Any] | None = None,
    achieved_level: str | Mapping[str, Any] | None = None,
    *,
    value: str | float | None = None,
    status: str | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
) -> Json:
    """A ``Result`` achieved by the subject; descriptions and levels by id (or built object)."""
    out: Json = {"type": ["Result"]}
    _put(out, "resultDescription", _id_of(result_description, "result.result_description"))
    _put(out, "achievedLevel", _id_of(achieved_level, "result.achieved_level"))
    _put(out, "value", _string_value(value, "result.value"))
    _put(
        out,
        "status",
        None
        if status is None
        else _enum(status, RESULT_STATUSES, "result.status", extensible=False),
    )
    _put(out, "alignment", _objects(alignments, "result.alignments", type_="Alignment"))
    if len(out) == 1:
        raise _fail(
            "a result needs at least one of result_description, achieved_level, value, "
            "status or alignments",
            "result",
        )
    return out
