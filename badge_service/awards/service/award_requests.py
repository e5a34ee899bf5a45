"""An award request as the awards services exchange it: the rows a trainer sends, the limits
of one request, and what each row came to.

Kept apart from the signing (services.issuing) so the CSV reader, the previews and the status
changes can share it without depending on how credentials are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from badge_service.awards.models import IssuedCredential

MAX_BATCH = 2000
NARRATIVE_MAX = 5000


@dataclass(frozen=True)
class AwardRow:
    """One recipient of an award request, as the trainer gave it."""

    email: str
    narrative: str | None = None
    evidence_url: str | None = None
    #: The level reached: a level item's human code (e.g. "B1") or id, when the achievement
    #: has a level scale.
    level: str | None = None
    row: int | None = None


@dataclass
class AwardOutcome:
    email: str
    outcome: str  # "issued" | "replayed" | "already-held"
    credential: IssuedCredential
    row: int | None = None


@dataclass
class AwardResult:
    outcomes: list[AwardOutcome] = field(default_factory=list)
    #: Composite achievements awarded automatically because of this request.
    composites: list[IssuedCredential] = field(default_factory=list)

    @property
    def issued(self) -> list[IssuedCredential]:
        return [o.credential for o in self.outcomes if o.outcome == "issued"] + self.composites

