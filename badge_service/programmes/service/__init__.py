"""Programmes and their trainers.

Who may do what:

* create, update, delete a programme, assign trainers: coordinators of the programme's
  organisation (and administrators);
* read a programme: those, its trainers, the participants of its cohorts, and anyone a
  registered *reader* admits (see :func:`register_reader`);
* ``actor=None`` is the operator at the command line, who has the database anyway.

Trainer accounts: a coordinator assigning a trainer by an email that has no account creates
the account (no password) and an invitation leaves when the transaction commits, in the
trainer's language, with a one-time link valid :data:`TRAINER_INVITATION_LIFETIME` to choose a
password (see :func:`assign_trainer`).
"""

from __future__ import annotations

# The package splits the service by reason to change; callers keep importing it whole
# (``from badge_service.programmes import service as programmes``), and a test un-registers a
# reader from ``_READERS`` in place.
from badge_service.programmes.service.access import _READERS as _READERS
from badge_service.programmes.service.access import (
    Reader,
    can_read,
    find,
    get,
    get_readable,
    manageable_organisations,
    register_reader,
    require_read,
    trainers,
    trainers_query,
    visible_to,
)
from badge_service.programmes.service.assignments import (
    TRAINER_INVITATION_LIFETIME,
    TRAINER_INVITATION_TEXTS,
    TrainerAssignment,
    accept_trainer_invitation,
    add_trainer,
    assign_trainer,
    check_trainer_invitation,
    remove_trainer,
    trainer_invitation_message,
)
from badge_service.programmes.service.editing import (
    DESCRIPTION_MAX,
    SLUG,
    TITLE_MAX,
    create,
    delete,
    dependants,
    update,
)
from badge_service.programmes.service.references import (
    referring_rows,
)
from badge_service.programmes.service.texts import (
    LANGUAGES,
    clean_i18n,
    text_of,
)

__all__ = [
    "DESCRIPTION_MAX",
    "LANGUAGES",
    "SLUG",
    "TITLE_MAX",
    "TRAINER_INVITATION_LIFETIME",
    "TRAINER_INVITATION_TEXTS",
    "Reader",
    "TrainerAssignment",
    "accept_trainer_invitation",
    "add_trainer",
    "assign_trainer",
    "can_read",
    "check_trainer_invitation",
    "clean_i18n",
    "create",
    "delete",
    "dependants",
    "find",
    "get",
    "get_readable",
    "manageable_organisations",
    "referring_rows",
    "register_reader",
    "remove_trainer",
    "require_read",
    "text_of",
    "trainer_invitation_message",
    "trainers",
    "trainers_query",
    "update",
    "visible_to",
]
