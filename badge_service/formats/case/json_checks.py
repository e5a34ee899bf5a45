"""Checks of CASE JSON values, each reporting with its JSON path (``CFItems[12].identifier``).

They collect errors rather than raise, so that one import reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from badge_service.errors import FieldError
from badge_service.formats.case.model import _IDENTIFIER, _LANGUAGE, MAX_URI, Item


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def __call__(self, path: str, message: str) -> None:
        self.items.append(FieldError(message, field=path or None))


def _check_text(value: Any, path: str, err: _Errors) -> None:
    """PostgreSQL refuses NUL characters in text; reject them wherever they hide."""
    if isinstance(value, str):
        if "\x00" in value:
            err(path, "contains a NUL character")
    elif isinstance(value, dict):
        for key, sub in value.items():
            _check_text(sub, f"{path}.{key}" if path else str(key), err)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            _check_text(sub, f"{path}[{index}]", err)


def _string(obj: dict, key: str, path: str, err: _Errors, *, required: bool = False,
            max_length: int | None = None) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            err(f"{path}.{key}", "is required")
        return None
    if not isinstance(value, str):
        err(f"{path}.{key}", "must be a string")
        return None
    if required and not value.strip():
        err(f"{path}.{key}", "must not be empty")
        return None
    if max_length is not None and len(value) > max_length:
        err(f"{path}.{key}", f"is longer than {max_length} characters")
        return None
    return value


def _identifier(obj: dict, key: str, path: str, err: _Errors) -> str | None:
    value = _string(obj, key, path, err, required=True)
    if value is not None and not _IDENTIFIER.match(value):
        err(f"{path}.{key}", "must be 1–200 characters without spaces (a UUID in CASE)")
        return None
    return value


def _unique_identifier(raw: dict, path: str, seen: dict[str, str], err: _Errors) -> str | None:
    """``raw["identifier"]``, checked and not already in ``seen`` (identifier → path), where it
    is then recorded; None when invalid or a duplicate."""
    ident = _identifier(raw, "identifier", path, err)
    if ident is not None and ident in seen:
        err(f"{path}.identifier", f"duplicate identifier {ident}: already used by "
                                  f"{seen[ident]}")
        return None
    if ident is not None:
        seen[ident] = path
    return ident


def _language(value: Any, path: str, err: _Errors) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _LANGUAGE.match(value) or len(value) > 16:
        err(path, "must be a language tag such as 'fr' or 'en'")
        return None
    return value


def _ext_labels(extensions: Any, path: str, err: _Errors) -> dict[str, dict[str, Any]]:
    """The ``ext:labels`` extension, checked: {lang: {field: text}}."""
    if extensions is None:
        return {}
    if not isinstance(extensions, dict):
        err(path, "must be an object")
        return {}
    labels = extensions.get("ext:labels")
    if labels is None:
        return {}
    lpath = f"{path}.ext:labels"
    if not isinstance(labels, dict):
        err(lpath, "must be an object {language: {name, statement}}")
        return {}
    out: dict[str, dict[str, Any]] = {}
    for lang, entry in labels.items():
        if _language(lang, f"{lpath}.{lang}", err) is None:
            continue
        if not isinstance(entry, dict):
            err(f"{lpath}.{lang}", "must be an object")
            continue
        for key, text in entry.items():
            if not isinstance(text, str):
                err(f"{lpath}.{lang}.{key}", "must be a string")
        out[lang] = {k: v for k, v in entry.items() if isinstance(v, str)}
    return out


def _node(obj: dict, key: str, path: str, err: _Errors) -> dict | None:
    node = obj.get(key)
    if node is None:
        err(f"{path}.{key}", "is required")
        return None
    if not isinstance(node, dict):
        err(f"{path}.{key}", "must be an object {title, identifier, uri}")
        return None
    npath = f"{path}.{key}"
    identifier = _identifier(node, "identifier", npath, err)
    _string(node, "uri", npath, err, max_length=MAX_URI)
    _string(node, "title", npath, err)
    return node if identifier is not None else None


def _whole_number(value: Any, path: str, err: _Errors) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        err(path, "must be a whole number")
        return None
    return value


def _objects(values: list[Any], name: str,
             err: _Errors) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(index, path, entry)`` for the entries of a JSON array that are objects; any other
    entry is reported at its path ``name[index]``, in turn, so errors keep the input's order."""
    for index, value in enumerate(values):
        path = f"{name}[{index}]"
        if isinstance(value, dict):
            yield index, path, value
        else:
            err(path, "must be an object")


def _check_rubrics(rubrics: Any, by_id: dict[str, Item], err: _Errors) -> None:
    if not isinstance(rubrics, list):
        err("CFRubrics", "must be an array")
        return
    for _, path, rubric in _objects(rubrics, "CFRubrics", err):
        _identifier(rubric, "identifier", path, err)
        criteria = rubric.get("CFRubricCriteria", [])
        if not isinstance(criteria, list):
            err(f"{path}.CFRubricCriteria", "must be an array")
            continue
        for _, cpath, criterion in _objects(criteria, f"{path}.CFRubricCriteria", err):
            _identifier(criterion, "identifier", cpath, err)
            ref = criterion.get("CFItemURI")
            if ref is None:
                continue
            if not isinstance(ref, dict) or not isinstance(ref.get("identifier"), str):
                err(f"{cpath}.CFItemURI", "must be an object {title, identifier, uri}")
            elif ref["identifier"] not in by_id:
                err(f"{cpath}.CFItemURI.identifier",
                    f"dangling reference: no CFItem with identifier {ref['identifier']} in "
                    "this package")
            levels = criterion.get("CFRubricCriterionLevels", [])
            if not isinstance(levels, list):
                err(f"{cpath}.CFRubricCriterionLevels", "must be an array")
