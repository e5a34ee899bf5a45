"""The preview of a CSV import (and, once applied, its result): what each row will do.

Plain data built by :func:`.importing.plan_import`; views and the API render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from badge_service.accounts.models import User
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.cohorts.service.fields import _key
from badge_service.errors import FieldError, ValidationFailed
from badge_service.programmes.models import Programme

ACTION_CREATE = "create"        # new account and membership
ACTION_ADD = "add"              # existing account joins the cohort
ACTION_UPDATE = "update"        # already in the cohort; enrolment details change
ACTION_UNCHANGED = "unchanged"  # already in the cohort, nothing to change
ACTION_ERROR = "error"
ACTIONS = (ACTION_CREATE, ACTION_ADD, ACTION_UPDATE, ACTION_UNCHANGED, ACTION_ERROR)


@dataclass
class RowPlan:
    line: int
    email: str
    cohort: str
    action: str = ACTION_ERROR
    values: dict[str, Any] = field(default_factory=dict)
    #: field → (current, new) for updates.
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    member: CohortMember | None = None
    user: User | None = None
    #: Fields whose cell is not empty: only those may change an existing member.
    filled: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line, "email": self.email, "cohort": self.cohort,
            "action": self.action,
            "values": {k: _short(v) for k, v in self.values.items()},
            "changes": {k: {"from": _short(a), "to": _short(b)}
                        for k, (a, b) in self.changes.items()},
            "member_id": str(self.member.id) if self.member is not None and self.member.id
            else None,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass
class CohortPlan:
    name: str
    cohort: Cohort | None  # None until created by the import

    def __post_init__(self) -> None:
        self.new = self.cohort is None

    def to_dict(self, rows: list[RowPlan]) -> dict[str, Any]:
        return {"name": self.name, "id": str(self.cohort.id) if self.cohort else None,
                "action": "create" if self.new else "existing",
                "rows": sum(1 for r in rows if _key(r.cohort) == _key(self.name))}


@dataclass
class ImportPlan:
    """The preview of an import (and, once applied, its result)."""

    programme: Programme
    rows: list[RowPlan]
    cohorts: list[CohortPlan]
    file_errors: list[FieldError] = field(default_factory=list)
    file_warnings: list[FieldError] = field(default_factory=list)
    delimiter: str = ","
    had_bom: bool = False
    columns: list[str] = field(default_factory=list)
    dry_run: bool = True
    applied: bool = False
    invited: int = 0

    @property
    def errors(self) -> list[FieldError]:
        return self.file_errors + [e for r in self.rows for e in r.errors]

    @property
    def warnings(self) -> list[FieldError]:
        return self.file_warnings + [w for r in self.rows for w in r.warnings]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        return {"rows": len(self.rows), **counts, "errors": len(self.errors),
                "warnings": len(self.warnings),
                "new_cohorts": sum(1 for c in self.cohorts if c.new), "invited": self.invited}

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "applied": self.applied,
            "programme_id": str(self.programme.id),
            "delimiter": self.delimiter,
            "had_bom": self.had_bom,
            "columns": self.columns,
            "summary": self.counts(),
            "cohorts": [c.to_dict(self.rows) for c in self.cohorts],
            "rows": [r.to_dict() for r in self.rows],
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
        }


class ImportFailed(ValidationFailed):
    """The import has errors; nothing was written. ``plan`` has the full preview."""

    def __init__(self, plan: ImportPlan) -> None:
        count = len(plan.errors)
        rows = len({e.row for e in plan.errors if e.row})
        where = f" in {rows} row{'s' if rows > 1 else ''}" if rows else ""
        super().__init__(f"the file has {count} error{'s' if count > 1 else ''}{where}; "
                         "nothing was imported", plan.errors)
        self.plan = plan


def _short(value: Any, limit: int = 400) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value
