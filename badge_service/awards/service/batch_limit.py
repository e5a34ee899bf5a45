"""How many credentials one web request may sign, so that it answers before the server's timeout.

An award request signs every credential inside the request (a later issue moves large batches to
background workers). If it runs past the worker timeout (gunicorn ``--timeout``, 30 s by
default), gunicorn kills the worker: the client sees a dropped connection, and its retry found
half-written state and answered 500. So a request may sign at most::

    max_credentials = min(MAX_BATCH, floor(REQUEST_TIMEOUT × AWARD_CREDENTIALS_PER_SECOND × 0.5))

(``AWARD_BATCH_MAX`` replaces the formula when set, still capped by MAX_BATCH). The rate is a
measured one (``python benchmarks/batch_limit.py``: a whole award request, database, status
list, both signatures, response and mail to the outbox included), and the factor 0.5 leaves half
the timeout for what the measurement does not see: other requests sharing the CPU, a slower
database, SMTP delivery after the commit.

Composites count too: each award may complete composite achievements, each signed in the same
request. Which ones depends on what each recipient already holds, which we do not want to read
before refusing, so a recipient counts for 1 + every composite reachable from the achievement
(following chains, as awarding does): never fewer than the request will sign.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.awards.service import issuing
from badge_service.errors import FieldError, PayloadTooLarge

#: Share of the timeout the measured signing time may fill; the rest is margin (see above).
SAFETY = 0.5


@dataclass(frozen=True)
class BatchLimit:
    #: Credentials (awards and the composites they trigger) one request may sign.
    max_credentials: int
    #: The server's request timeout in seconds, as configured.
    timeout: int


def limit_from(config: Mapping[str, Any]) -> BatchLimit:
    """The limit the configuration gives (``REQUEST_TIMEOUT``, ``AWARD_CREDENTIALS_PER_SECOND``,
    ``AWARD_BATCH_MAX``)."""
    timeout = int(config["REQUEST_TIMEOUT"])
    override = config.get("AWARD_BATCH_MAX")
    if override is not None:
        derived = int(override)
    else:
        derived = math.floor(timeout * int(config["AWARD_CREDENTIALS_PER_SECOND"]) * SAFETY)
    # At least one: a request that can sign nothing could never award anything.
    return BatchLimit(max(1, min(issuing.MAX_BATCH, derived)), timeout)


def credentials_per_recipient(session: Session, achievement: Achievement) -> int:
    """1 + the composites an award of ``achievement`` could complete, chains followed."""
    reachable: set[uuid.UUID] = set()
    pending = [achievement.id]
    while pending:
        for composite in achievements.composites_requiring(session, pending.pop()):
            if composite.id not in reachable:
                reachable.add(composite.id)
                pending.append(composite.id)
    return 1 + len(reachable)


class BatchTooLarge(PayloadTooLarge):
    """More recipients than one request can sign in time; nothing was issued. The numbers are
    kept so that pages can say it in the reader's language."""

    def __init__(self, recipients: int, max_recipients: int, per_recipient: int,
                 limit: BatchLimit) -> None:
        self.recipients = recipients
        self.max_recipients = max_recipients
        self.per_recipient = per_recipient
        self.limit = limit
        composites = (f" (each award here can complete {per_recipient - 1} composite "
                      f"achievement{'s' if per_recipient > 2 else ''}, signed in the same "
                      f"request, so at most {max_recipients} recipients)"
                      if per_recipient > 1 else "")
        super().__init__(
            f"{recipients} recipients are more than one request can sign within the server's "
            f"{limit.timeout}-second timeout: at most {limit.max_credentials} credentials per "
            f"request{composites}. Nothing was issued. Split the list into batches of at most "
            f"{max_recipients} recipients and send each as its own request (with its own "
            f"Idempotency-Key); bulk jobs for larger lists come with a later version.",
            [FieldError(f"at most {max_recipients} recipients per request",
                        field="recipients")])


def check(session: Session, achievement: Achievement, recipients: int,
          limit: BatchLimit) -> None:
    """Refuse, before anything is signed or stored, a request for more ``recipients`` than
    ``limit`` allows. A refusal stores nothing, so a retry gets the same refusal."""
    per_recipient = credentials_per_recipient(session, achievement)
    # One recipient is always allowed, however many composites may follow: otherwise such an
    # achievement could not be awarded through the web at all.
    allowed = max(1, limit.max_credentials // per_recipient)
    if recipients > allowed:
        raise BatchTooLarge(recipients, allowed, per_recipient, limit)
