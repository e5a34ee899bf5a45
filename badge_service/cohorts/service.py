"""Cohorts and participants: create by hand, import CSV (preview, then all-or-nothing), invite.

Who may do what:

* manage a programme's cohorts and participants (create, edit, import, invite, remove):
  coordinators of the programme's organisation, trainers of the programme, administrators;
* see a cohort: those, and its participants — who see only their own membership.

Services take ``actor``; ``None`` means the command-line operator, who already has the database
and is trusted (``badge-service cohorts import``). Views always pass a logged-in user.

Accounts are global and keyed by email (compared without case): importing a person already
known — as a participant of another cohort, or a trainer — enrols that account; it never
creates a second one and never changes the account's own profile. Enrolment data (participant
code, names as enrolled, organisation, country, job role, language) lives on the membership.

Invitations: an email in French or English (per the participant's preferred language: ``fr``
→ French, ``en`` → English, any other language → English) with a one-time link
``/invitation/<token>`` valid :data:`INVITATION_LIFETIME`. Following it logs the participant in
and marks their invited memberships active. Re-sending invalidates the links sent before.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from badge_service.accounts.models import EmailToken, User
from badge_service.accounts.service import users as accounts
from badge_service.adapters import mail
from badge_service.cohorts.models import (
    STATUS_ACTIVE,
    STATUS_INVITED,
    STATUS_WITHDRAWN,
    STATUSES,
    Cohort,
    CohortMember,
    PendingImport,
)
from badge_service.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from badge_service.formats import csv_table as csv_import
from badge_service.formats import names
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme

INVITATION_LIFETIME = timedelta(days=14)
PENDING_IMPORT_LIFETIME = timedelta(hours=24)
MAX_IMPORT_ROWS = 5000
MESSAGE_LANGUAGES = ("fr", "en")

#: Longest accepted value of each field (characters, after trimming).
LIMITS = {
    "email": 254,  # RFC 5321 (accounts.normalise_email counts the octets)
    "participant_code": 64,
    "given_name": 200,
    "family_name": 200,
    "organisation_name": 300,
    "organisation_type": 200,
    "country": 64,  # checked against ISO 3166-1 afterwards; the limit only bounds messages
    "job_role": 200,
    "preferred_language": 35,
    "cohort": 200,
}
#: Checked by the shared name rule (badge_service.formats.names): NFC, one line, nothing invisible.
NAME_FIELDS = ("given_name", "family_name")
MEMBER_FIELDS = ("participant_code", "given_name", "family_name", "organisation_name",
                 "organisation_type", "country", "job_role", "preferred_language")
REQUIRED_COLUMNS = ("email", "given_name", "family_name")

#: CSV header names accepted for each column, besides the canonical name. Compared after
#: csv_import.normalise_header (case, accents, spaces/hyphens ignored), so "Prénom", "PRENOM"
#: and "prenom" are one alias.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("e-mail", "mail", "email address", "e-mail address", "courriel",
              "adresse courriel", "adresse e-mail", "adresse email", "adresse mail",
              "adresse électronique", "mél"),
    "given_name": ("first name", "firstname", "given name", "forename", "prénom"),
    "family_name": ("last name", "lastname", "surname", "family name", "nom",
                    "nom de famille"),
    "participant_code": ("participant_id", "participant id", "participant code",
                         "code participant", "identifiant", "matricule", "code"),
    "organisation_name": ("organisation", "organization", "organization name",
                          "organisation name", "institution", "établissement", "organisme",
                          "employeur", "employer", "school", "école", "structure"),
    "organisation_type": ("organization type", "organisation type", "type d'organisation",
                          "type d'établissement", "type de structure", "institution type"),
    "country": ("pays", "country code", "code pays"),
    "job_role": ("role", "rôle", "job", "job title", "position", "fonction", "poste",
                 "métier"),
    "cohort": ("cohorte", "cohort name", "groupe", "group", "promotion", "session"),
    "preferred_language": ("language", "lang", "langue", "langue préférée", "locale"),
}

# ISO 3166-1 alpha-2 (officially assigned; from the iso-codes / tzdata iso3166.tab lists).
_COUNTRY_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES = frozenset(_COUNTRY_CODES.split())
# Codes people write that ISO reserves for something else, with the assigned one.
COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}

# ISO 639-1 (the two-letter primary language subtags of BCP 47).
_LANGUAGE_CODES = """
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz
ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln
lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi
pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti
tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
LANGUAGE_CODES = frozenset(_LANGUAGE_CODES.split())
# Language names people type instead of codes (normalised like headers).
LANGUAGE_NAMES = {
    "francais": "fr", "french": "fr", "anglais": "en", "english": "en", "neerlandais": "nl",
    "nederlands": "nl", "dutch": "nl", "flamand": "nl", "allemand": "de", "deutsch": "de",
    "german": "de", "espanol": "es", "espagnol": "es", "spanish": "es", "italien": "it",
    "italiano": "it", "italian": "it",
}
_BCP47 = re.compile(r"^([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|\d{3}))?$")


# --- permissions -----------------------------------------------------------------------------


def can_manage(session: Session, actor: User | None, programme: Programme) -> bool:
    if actor is None:  # the command-line operator
        return True
    return (programmes.can_manage(session, actor, programme)
            or programmes.is_trainer(session, actor, programme))


def require_manage(session: Session, actor: User | None, programme: Programme) -> None:
    if not can_manage(session, actor, programme):
        raise Forbidden("only coordinators of the programme's organisation and trainers of "
                        "the programme can manage its cohorts")


def is_member(session: Session, user: User, cohort: Cohort) -> bool:
    return session.scalar(select(CohortMember.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)) is not None


@programmes.register_reader
def _participant_programmes(user: User) -> Select:
    """Participants may read the programmes of their cohorts."""
    return select(Cohort.programme_id).join(CohortMember, CohortMember.cohort_id == Cohort.id
                                            ).where(CohortMember.user_id == user.id)


# --- reading ---------------------------------------------------------------------------------


def get_programme(session: Session, actor: User | None, programme_id: uuid.UUID) -> Programme:
    programme = programmes.get(session, programme_id)
    if actor is not None:
        programmes.require_read(session, actor, programme)
    return programme


def find_programme(session: Session, reference: str) -> Programme:
    """A programme by id or by ``organisation-slug/programme-slug`` (command line)."""
    return programmes.find(session, reference)


def get_cohort(session: Session, actor: User | None, cohort_id: uuid.UUID) -> Cohort:
    """The cohort if ``actor`` may see it (manager or member); otherwise "not found"."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not (can_manage(session, actor, cohort.programme)
                              or (actor is not None and is_member(session, actor, cohort))):
        raise NotFound(f"no cohort {cohort_id}")
    return cohort


def cohorts_query(session: Session, actor: User | None, programme: Programme) -> Select:
    """The programme's cohorts ``actor`` may see, newest start first, then by name."""
    query = select(Cohort).where(Cohort.programme_id == programme.id).order_by(
        Cohort.start_date.desc().nulls_last(), Cohort.name, Cohort.id)
    if actor is not None and not can_manage(session, actor, programme):
        query = query.where(Cohort.id.in_(select(CohortMember.cohort_id).where(
            CohortMember.user_id == actor.id)))
    return query


def managed_programmes(session: Session, actor: User) -> list[Programme]:
    """Programmes whose cohorts ``actor`` manages (coordinated organisations, trained ones)."""
    query = select(Programme).order_by(Programme.title, Programme.id)
    if not actor.is_administrator:
        trained = select(programmes.ProgrammeRole.programme_id).where(
            programmes.ProgrammeRole.user_id == actor.id)
        coordinated = accounts.coordinated_organisation_ids(session, actor)
        query = query.where(or_(Programme.id.in_(trained),
                                Programme.organisation_id.in_(coordinated)))
    return list(session.scalars(query))


def memberships_of(session: Session, user: User) -> list[CohortMember]:
    return list(session.scalars(
        select(CohortMember).join(Cohort).where(CohortMember.user_id == user.id)
        .options(selectinload(CohortMember.cohort).selectinload(Cohort.programme))
        .order_by(Cohort.start_date.desc().nulls_last(), Cohort.name)))


def members_query(session: Session, actor: User | None, cohort: Cohort, *,
                  status: str | None = None, search: str | None = None) -> Select:
    """Members ``actor`` may see: all of them for managers, their own row for participants."""
    query = (select(CohortMember).join(User, User.id == CohortMember.user_id)
             .where(CohortMember.cohort_id == cohort.id)
             .options(selectinload(CohortMember.user))
             .order_by(CohortMember.family_name, CohortMember.given_name, User.email,
                       CohortMember.id))
    if not can_manage(session, actor, cohort.programme):
        query = query.where(CohortMember.user_id == (actor.id if actor else None))
    if status:
        if status not in STATUSES:
            raise ValidationFailed("unknown status", [
                FieldError(f"must be one of {', '.join(STATUSES)}", field="status")])
        query = query.where(CohortMember.status == status)
    # PostgreSQL refuses NUL in text parameters: keep only printable characters.
    search = "".join(c for c in (search or "") if c.isprintable())[:200]
    if search.strip():
        pattern = "%" + search.strip().lower().replace("\\", "\\\\").replace(
            "%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            User.email, CohortMember.given_name, CohortMember.family_name,
            CohortMember.participant_code, CohortMember.organisation_name))))
    return query


def get_member(session: Session, actor: User | None, cohort: Cohort,
               member_id: uuid.UUID) -> CohortMember:
    member = session.get(CohortMember, member_id)
    if (member is None or member.cohort_id != cohort.id
            or not (can_manage(session, actor, cohort.programme)
                    or (actor is not None and member.user_id == actor.id))):
        raise NotFound(f"no member {member_id} in this cohort")
    return member


def member_counts(session: Session, cohorts: Iterable[Cohort]) -> dict[uuid.UUID, dict[str, int]]:
    ids = [c.id for c in cohorts]
    counts: dict[uuid.UUID, dict[str, int]] = {i: dict.fromkeys(STATUSES, 0) for i in ids}
    if ids:
        for cohort_id, status, count in session.execute(
                select(CohortMember.cohort_id, CohortMember.status, func.count())
                .where(CohortMember.cohort_id.in_(ids))
                .group_by(CohortMember.cohort_id, CohortMember.status)):
            counts[cohort_id][status] = count
    return counts


# --- field cleaning (shared by the forms, the API and the import) -----------------------------


def _key(name: str) -> str:
    """Cohort names compare without case and extra spaces."""
    return " ".join(name.split()).casefold()


def clean_language(value: str | None, default_language: str) -> tuple[str, str | None]:
    """A BCP 47 tag (``fr``, ``nl``, ``fr-BE``) and a warning when the value was unusable and
    ``default_language`` was used instead."""
    text = (value or "").strip()
    if not text:
        return default_language, None
    tag = text.replace("_", "-").lower()
    tag = LANGUAGE_NAMES.get(csv_import.normalise_header(tag), tag)
    match = _BCP47.match(tag)
    if match is None or match.group(1) not in LANGUAGE_CODES:
        return default_language, (f"unknown language {csv_import.printable(text, 40)!r}; "
                                  f"using {default_language!r} (use a code such as fr, en, nl)")
    primary, script, region = match.groups()
    parts = [primary] + ([script.title()] if script else []) + ([region.upper()] if region
                                                                 else [])
    return "-".join(parts), None


def message_language(tag: str | None) -> str:
    """The language of the messages we send: French or English (the two we write)."""
    primary = (tag or "").split("-")[0].lower()
    return primary if primary in MESSAGE_LANGUAGES else "en"


def clean_member(raw: Mapping[str, Any], *, default_language: str, row: int | None = None,
                 partial: bool = False) -> tuple[dict[str, Any], list[FieldError],
                                                 list[FieldError]]:
    """Validate participant fields: ``(values, errors, warnings)``.

    ``raw`` holds strings (or None) under the names of :data:`MEMBER_FIELDS` and ``email``.
    With ``partial`` (an update) only the given keys are checked and required ones may be
    absent. Empty optional values become None.
    """
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    warnings: list[FieldError] = []

    def text(name: str) -> str | None:
        value = raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            errors.append(FieldError("must be text", field=name, row=row))
            return None
        if name in NAME_FIELDS:
            cleaned, problem = names.check_name(value, max_length=LIMITS[name])
        else:
            cleaned, problem = csv_import.check_text(value, max_length=LIMITS[name])
        if problem:
            errors.append(FieldError(problem, field=name, row=row))
            return None
        if csv_import.looks_like_formula(cleaned) and name not in ("email",):
            warnings.append(FieldError(
                f"starts with {cleaned[0]!r}, which spreadsheets run as a formula; kept as "
                "written (exports will prefix it with an apostrophe)", field=name, row=row))
        return cleaned or None

    if "email" in raw or not partial:
        email = text("email")
        if email is None and not any(e.field == "email" for e in errors):
            errors.append(FieldError("is required (missing email address)", field="email",
                                     row=row))
        elif email is not None:
            try:
                values["email"] = accounts.normalise_email(email, row=row)
            except ValidationFailed as exc:
                errors.extend(FieldError(f"not a valid email address: {e.message}",
                                         field="email", row=row) for e in exc.errors)
    if "given_name" in raw or not partial:
        value = text("given_name")
        if value is None:
            if not any(e.field == "given_name" for e in errors):
                errors.append(FieldError("is required (missing name)", field="given_name",
                                         row=row))
        else:
            values["given_name"] = value
    if "family_name" in raw or not partial:
        # A mononym (one name only) has an empty family name; the column is not nullable.
        value = text("family_name")
        if not any(e.field == "family_name" for e in errors):
            values["family_name"] = value or ""
    if "given_name" in values and "family_name" in values:
        problem = names.display_name_problem(values["given_name"], values["family_name"])
        if problem:
            errors.append(FieldError(problem, field="family_name", row=row))
    for name in ("participant_code", "organisation_name", "organisation_type", "job_role"):
        if name in raw:
            values[name] = text(name)
    if "country" in raw:
        country = text("country")
        if country is not None:
            code = country.upper()
            if code in COUNTRIES:
                values["country"] = code
            else:
                hint = (f" (for this country use {COUNTRY_HINTS[code]})"
                        if code in COUNTRY_HINTS else "")
                errors.append(FieldError(
                    f"{csv_import.printable(country, 40)!r} is not an ISO 3166-1 alpha-2 "
                    f"country code such as BE or FR{hint}", field="country", row=row))
        else:
            values["country"] = None
    if "preferred_language" in raw or not partial:
        language = text("preferred_language")
        if not any(e.field == "preferred_language" for e in errors):
            if language is None and partial:
                values["preferred_language"] = default_language
            else:
                tag, warning = clean_language(language, default_language)
                values["preferred_language"] = tag
                if warning:
                    warnings.append(FieldError(warning, field="preferred_language", row=row))
    return values, errors, warnings


def _check_dates(data: Mapping[str, Any], current: Cohort | None,
                 errors: list[FieldError]) -> dict[str, date | None]:
    out: dict[str, date | None] = {}
    for name in ("start_date", "end_date"):
        if name not in data:
            continue
        value = data[name]
        if value in (None, ""):
            out[name] = None
        elif isinstance(value, datetime):
            errors.append(FieldError("must be a date (YYYY-MM-DD)", field=name))
        elif isinstance(value, date):
            out[name] = value
        else:
            try:
                out[name] = date.fromisoformat(str(value).strip())
            except ValueError:
                errors.append(FieldError("must be a date (YYYY-MM-DD)", field=name))
    start = out.get("start_date", current.start_date if current else None)
    end = out.get("end_date", current.end_date if current else None)
    if start and end and end < start and not errors:
        errors.append(FieldError("is before the start date", field="end_date"))
    return out


# --- cohorts ---------------------------------------------------------------------------------


def _cohort_by_name(session: Session, programme: Programme, name: str) -> Cohort | None:
    wanted = _key(name)
    for cohort in session.scalars(select(Cohort).where(Cohort.programme_id == programme.id)):
        if _key(cohort.name) == wanted:
            return cohort
    return None


def _check_cohort(session: Session, programme: Programme, data: Mapping[str, Any],
                  current: Cohort | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    unknown = set(data) - {"name", "start_date", "end_date"}
    errors.extend(FieldError("unknown field", field=name) for name in sorted(unknown))
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        raw = data.get("name")
        name, problem = csv_import.check_text(raw if isinstance(raw, str) else "",
                                              max_length=LIMITS["cohort"])
        if problem:
            errors.append(FieldError(problem, field="name"))
        elif not name:
            errors.append(FieldError("is required", field="name"))
        else:
            out["name"] = name
    out.update(_check_dates(data, current, errors))
    if errors:
        raise ValidationFailed("the cohort is not valid", errors)
    if "name" in out:
        other = _cohort_by_name(session, programme, out["name"])
        if other is not None and (current is None or other.id != current.id):
            raise Conflict(f"the programme already has a cohort named {other.name!r}",
                           [FieldError("already used in this programme", field="name")])
    return out


def create_cohort(session: Session, actor: User | None, programme: Programme,
                  data: Mapping[str, Any], *, now: datetime) -> Cohort:
    """``data``: name, start_date, end_date (dates or ISO strings; optional)."""
    require_manage(session, actor, programme)
    values = _check_cohort(session, programme, data, None)
    cohort = Cohort(programme_id=programme.id, created_at=now, updated_at=now, **values)
    session.add(cohort)
    session.flush()
    return cohort


def update_cohort(session: Session, actor: User | None, cohort: Cohort,
                  data: Mapping[str, Any], *, now: datetime) -> Cohort:
    require_manage(session, actor, cohort.programme)
    for key, value in _check_cohort(session, cohort.programme, data, cohort).items():
        setattr(cohort, key, value)
    cohort.updated_at = now
    session.flush()
    return cohort


def delete_cohort(session: Session, actor: User | None, cohort: Cohort) -> None:
    """Delete a cohort and its memberships (the participants' accounts stay)."""
    require_manage(session, actor, cohort.programme)
    session.delete(cohort)
    session.flush()


# --- members ---------------------------------------------------------------------------------


def _find_or_create_user(session: Session, values: Mapping[str, Any], *,
                         now: datetime) -> tuple[User, bool]:
    user = accounts.find_user_by_email(session, values["email"])
    if user is not None:
        return user, False
    return accounts.create_user(
        session, email=values["email"], given_name=values["given_name"],
        family_name=values["family_name"], now=now,
        preferred_language=message_language(values["preferred_language"])), True


def add_member(session: Session, actor: User | None, cohort: Cohort, data: Mapping[str, Any],
               *, now: datetime, default_language: str) -> CohortMember:
    """Enrol one participant; their account is found by email or created."""
    require_manage(session, actor, cohort.programme)
    unknown = set(data) - {"email", *MEMBER_FIELDS}
    values, errors, _warnings = clean_member(
        {k: v for k, v in data.items() if k not in unknown}, default_language=default_language)
    errors = [FieldError("unknown field", field=name) for name in sorted(unknown)] + errors
    code = values.get("participant_code")
    if code and not errors:
        _check_code_free(session, cohort, code, None)
    if errors:
        raise ValidationFailed("the participant is not valid", errors)
    user, _created = _find_or_create_user(session, values, now=now)
    if is_member(session, user, cohort):
        raise Conflict(f"{user.email} is already in this cohort",
                       [FieldError("already in this cohort", field="email")])
    member = CohortMember(cohort_id=cohort.id, user_id=user.id, status=STATUS_INVITED,
                          created_at=now, **{k: v for k, v in values.items() if k != "email"})
    session.add(member)
    session.flush()
    return member


def _check_code_free(session: Session, cohort: Cohort, code: str,
                     member: CohortMember | None) -> None:
    owner = session.scalar(select(CohortMember).where(
        CohortMember.cohort_id == cohort.id, CohortMember.participant_code == code))
    if owner is not None and (member is None or owner.id != member.id):
        raise Conflict(f"participant code {code!r} is already used in this cohort by "
                       f"{owner.user.email}",
                       [FieldError("already used in this cohort", field="participant_code")])


def update_member(session: Session, actor: User | None, member: CohortMember,
                  data: Mapping[str, Any], *, default_language: str) -> CohortMember:
    """Change enrolment fields and/or ``status``. The email is the account's and is not
    changed here (remove the membership and add the right address instead)."""
    require_manage(session, actor, member.cohort.programme)
    errors: list[FieldError] = []
    if "email" in data:
        errors.append(FieldError("the email address of a participant cannot be changed; "
                                 "remove them and add the right address", field="email"))
    unknown = set(data) - {"email", "status", *MEMBER_FIELDS}
    errors.extend(FieldError("unknown field", field=name) for name in sorted(unknown))
    fields = {k: v for k, v in data.items() if k in MEMBER_FIELDS}
    values, field_errors, _warnings = clean_member(fields, default_language=default_language,
                                                   partial=True)
    errors.extend(field_errors)
    status = data.get("status")
    if "status" in data and status not in STATUSES:
        errors.append(FieldError(f"must be one of {', '.join(STATUSES)}", field="status"))
    if errors:
        raise ValidationFailed("the participant is not valid", errors)
    if values.get("participant_code"):
        _check_code_free(session, member.cohort, values["participant_code"], member)
    for key, value in values.items():
        setattr(member, key, value)
    if status:
        member.status = status
    session.flush()
    return member


def remove_member(session: Session, actor: User | None, member: CohortMember) -> None:
    """Delete the membership (the account stays). To keep the record, withdraw instead."""
    require_manage(session, actor, member.cohort.programme)
    session.delete(member)
    session.flush()


EXPORT_HEADER = ("participant_id", "given_name", "family_name", "email", "organisation",
                 "organisation_type", "country", "role", "cohort", "preferred_language",
                 "status", "invited_at", "joined_at")


def export_members_csv(session: Session, actor: User | None, cohort: Cohort) -> bytes:
    """The cohort's participants as CSV, in the import's columns (so the file can be edited and
    imported again) plus status and dates. Cells that spreadsheets would run as formulas are
    prefixed with an apostrophe (csv_import.write_csv)."""
    require_manage(session, actor, cohort.programme)
    members = session.scalars(members_query(session, actor, cohort))
    return csv_import.write_csv(EXPORT_HEADER, (
        (m.participant_code, m.given_name, m.family_name, m.user.email, m.organisation_name,
         m.organisation_type, m.country, m.job_role, cohort.name, m.preferred_language,
         m.status, m.invited_at.isoformat() if m.invited_at else "",
         m.joined_at.isoformat() if m.joined_at else "")
        for m in members))


# --- invitations -----------------------------------------------------------------------------

INVITATION_TEXTS = {
    "fr": {
        "subject": "Invitation : {cohort} — {programme}",
        "body": (
            "Bonjour {given_name},\n\n"
            "{organisation} vous a inscrit·e dans la cohorte « {cohort} » du programme "
            "« {programme} ».\n\n"
            "Ouvrez ce lien pour accéder à votre espace participant, où vous retrouverez "
            "ensuite vos badges numériques (Open Badges) :\n\n"
            "{link}\n\n"
            "Ce lien est personnel : il ne fonctionne qu'une fois et reste valable {days} "
            "jours. Ensuite, vous pourrez demander un lien de connexion depuis la page "
            "« Se connecter ».\n\n"
            "Si vous ne vous attendiez pas à ce message, ignorez-le simplement.\n\n"
            "— {organisation}\n"
        ),
    },
    "en": {
        "subject": "Invitation: {cohort} — {programme}",
        "body": (
            "Hello {given_name},\n\n"
            "{organisation} has enrolled you in the cohort \"{cohort}\" of the programme "
            "\"{programme}\".\n\n"
            "Open this link to reach your participant space, where you will later find your "
            "digital badges (Open Badges):\n\n"
            "{link}\n\n"
            "This link is personal: it works once and stays valid for {days} days. After "
            "that, you can ask for a login link on the \"Log in\" page.\n\n"
            "If you were not expecting this message, simply ignore it.\n\n"
            "— {organisation}\n"
        ),
    },
}


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url}/invitation/{token}"


def invitation_message(member: CohortMember, link: str) -> tuple[str, str, str]:
    """``(language, subject, body)`` of the invitation of ``member``."""
    language = message_language(member.preferred_language)
    cohort = member.cohort
    programme = cohort.programme
    organisation = programme.organisation
    fields = {
        "given_name": member.given_name,
        "cohort": cohort.name,
        "programme": programmes.text_of(programme.title_i18n, language) or programme.title,
        "organisation": (organisation.name_i18n or {}).get(language) or organisation.name,
        "link": link,
        "days": INVITATION_LIFETIME.days,
    }
    texts = INVITATION_TEXTS[language]
    return language, texts["subject"].format(**fields), texts["body"].format(**fields)


def invite(session: Session, actor: User | None, members: Iterable[CohortMember], *,
           now: datetime, base_url: str) -> list[CohortMember]:
    """Send (or re-send) invitations; they leave when the transaction commits.

    Withdrawn members and disabled accounts are refused with one error each (nothing is sent
    when any member is refused). Earlier unused invitation links of the same people stop
    working, so only the latest email is valid.
    """
    members = list(members)
    errors: list[FieldError] = []
    allowed: set[uuid.UUID] = set()
    for member in members:
        if member.cohort.programme_id not in allowed:
            require_manage(session, actor, member.cohort.programme)
            allowed.add(member.cohort.programme_id)
        if member.status == STATUS_WITHDRAWN:
            errors.append(FieldError(f"{member.user.email} has withdrawn from the cohort; "
                                     "set them back to invited first", field="member_ids"))
        elif not member.user.is_active:
            errors.append(FieldError(f"the account of {member.user.email} is disabled",
                                     field="member_ids"))
    if errors:
        raise ValidationFailed("some participants cannot be invited", errors)
    revoked: set[uuid.UUID] = set()
    for member in members:
        user = member.user
        if user.id not in revoked:
            session.execute(
                update(EmailToken).where(
                    EmailToken.user_id == user.id,
                    EmailToken.purpose == accounts.PURPOSE_INVITATION,
                    EmailToken.used_at.is_(None), EmailToken.expires_at > now)
                .values(expires_at=now).execution_options(synchronize_session=False))
            revoked.add(user.id)
        token = accounts.issue_email_token(session, user, accounts.PURPOSE_INVITATION, now=now,
                                           lifetime=INVITATION_LIFETIME)
        _language, subject, body = invitation_message(member,
                                                      invitation_url(base_url, token))
        mail.send(user.email, subject, body, display_name=member.full_name)
        member.invited_at = now
    session.flush()
    return members


def members_to_invite(session: Session, actor: User | None, cohort: Cohort, *,
                      scope: str = "not-invited") -> list[CohortMember]:
    """``not-invited``: invited status, never sent; ``pending``: every member who has not yet
    accepted (re-sends to those already invited)."""
    require_manage(session, actor, cohort.programme)
    query = select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                       CohortMember.status == STATUS_INVITED)
    if scope == "not-invited":
        query = query.where(CohortMember.invited_at.is_(None))
    elif scope != "pending":
        raise ValidationFailed("unknown scope", [
            FieldError("must be 'not-invited' or 'pending'", field="scope")])
    return list(session.scalars(query.options(selectinload(CohortMember.user))))


def check_invitation(session: Session, token: str, *, now: datetime) -> User:
    return accounts.check_email_token(session, token, accounts.PURPOSE_INVITATION, now=now)


def accept_invitation(session: Session, token: str, *, now: datetime) -> User:
    """Spend the invitation token: the participant's invited memberships become active."""
    user = accounts.consume_email_token(session, token, accounts.PURPOSE_INVITATION, now=now)
    for member in session.scalars(select(CohortMember).where(
            CohortMember.user_id == user.id, CohortMember.status == STATUS_INVITED)):
        member.status = STATUS_ACTIVE
        member.joined_at = member.joined_at or now
    user.last_login_at = now
    session.flush()
    return user


# --- CSV import ------------------------------------------------------------------------------

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


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def plan_import(session: Session, actor: User | None, programme: Programme, data: bytes, *,
                cohort: Cohort | None = None, cohort_name: str | None = None,
                default_language: str, max_bytes: int = csv_import.MAX_IMPORT_BYTES,
                max_rows: int = MAX_IMPORT_ROWS) -> ImportPlan:
    """Read and check the whole file against the database; write nothing.

    The target cohort is ``cohort``, else the one named ``cohort_name`` (created if the
    programme has none by that name), else each row's ``cohort`` column (cohorts that do not
    exist yet are created). A row whose ``cohort`` column names another cohort than the target
    is an error. File-level problems (encoding, size, header, quoting) raise at once.
    """
    require_manage(session, actor, programme)
    if cohort is not None and cohort.programme_id != programme.id:
        raise ValidationFailed("the cohort belongs to another programme")
    table = csv_import.read_csv(data, columns=IMPORT_COLUMNS, required=REQUIRED_COLUMNS,
                                max_bytes=max_bytes, max_rows=max_rows)
    plan = ImportPlan(programme=programme, rows=[], cohorts=[], delimiter=table.delimiter,
                      had_bom=table.had_bom, columns=table.columns)
    if table.unknown_columns:
        shown = ", ".join(repr(csv_import.printable(c, 60)) for c in table.unknown_columns)
        plan.file_warnings.append(FieldError(f"columns ignored (not recognised): {shown}",
                                             field="header", row=1))
    if not table.rows:
        plan.file_errors.append(FieldError("the file has a header but no participants",
                                           field="file"))

    target_name: str | None = None
    if cohort is not None:
        target_name = cohort.name
    elif cohort_name is not None:
        target_name, problem = csv_import.check_text(cohort_name, max_length=LIMITS["cohort"])
        if problem or not target_name:
            raise ValidationFailed("the cohort name is not valid", [
                FieldError(problem or "is required", field="cohort")])
        cohort = _cohort_by_name(session, programme, target_name)

    cohort_plans: dict[str, CohortPlan] = {}
    if target_name is not None:
        cohort_plans[_key(target_name)] = CohortPlan(cohort.name if cohort else target_name,
                                                     cohort)
    existing_by_key = {_key(c.name): c for c in session.scalars(
        select(Cohort).where(Cohort.programme_id == programme.id))}

    seen_email: dict[tuple[str, str], int] = {}
    seen_code: dict[tuple[str, str], int] = {}
    for record in table.rows:
        line = record.line
        raw = dict(record.values)
        row_cohort = raw.pop("cohort", None)
        values, errors, warnings = clean_member(raw, default_language=default_language,
                                                row=line)
        shown_email = values.get("email") or csv_import.check_text(
            raw.get("email") or "", max_length=10_000)[0][:LIMITS["email"]]
        name = None
        if row_cohort is not None:
            name, problem = csv_import.check_text(row_cohort, max_length=LIMITS["cohort"])
            if problem:
                errors.append(FieldError(problem, field="cohort", row=line))
                name = None
        if target_name is not None:
            if name and _key(name) != _key(target_name):
                errors.append(FieldError(
                    f"this row is for cohort {csv_import.printable(name, 80)!r}, but the "
                    f"import is into {target_name!r}", field="cohort", row=line))
            name = target_name
        elif not name and not any(e.field == "cohort" for e in errors):
            errors.append(FieldError("is required: name the cohort in this column, or choose "
                                     "the cohort to import into", field="cohort", row=line))
        row = RowPlan(line=line, email=shown_email, cohort=name or "", values=values,
                      errors=errors, warnings=warnings,
                      filled={k for k, v in raw.items() if v and v.strip()})
        plan.rows.append(row)
        if not name:
            continue
        key = _key(name)
        if key not in cohort_plans:
            existing = existing_by_key.get(key)
            cohort_plans[key] = CohortPlan(existing.name if existing else name, existing)
        row.cohort = cohort_plans[key].name
        if "email" in values:
            first = seen_email.setdefault((key, values["email"]), line)
            if first != line:
                row.errors.append(FieldError(
                    f"duplicate: {values['email']} is on lines {first} and {line} (emails "
                    "are compared without case)", field="email", row=line))
        code = values.get("participant_code")
        if code:
            first = seen_code.setdefault((key, code), line)
            if first != line:
                row.errors.append(FieldError(
                    f"duplicate participant code {code!r} on lines {first} and {line}",
                    field="participant_code", row=line))
    plan.cohorts = list(cohort_plans.values())

    # Against the database: who has an account, who is already in which cohort.
    emails = sorted({r.values["email"] for r in plan.rows if "email" in r.values})
    users: dict[str, User] = {}
    for chunk in _chunks(emails):
        users.update((u.email, u) for u in session.scalars(select(User).where(
            User.email.in_(chunk))))
    cohort_ids = [c.cohort.id for c in plan.cohorts if c.cohort is not None]
    members: dict[tuple[uuid.UUID, uuid.UUID], CohortMember] = {}
    codes: dict[tuple[uuid.UUID, str], CohortMember] = {}
    if cohort_ids:
        user_ids = [u.id for u in users.values()]
        for chunk in _chunks(user_ids):
            for member in session.scalars(select(CohortMember).where(
                    CohortMember.cohort_id.in_(cohort_ids), CohortMember.user_id.in_(chunk))):
                members[(member.cohort_id, member.user_id)] = member
        file_codes = sorted({r.values["participant_code"] for r in plan.rows
                             if r.values.get("participant_code")})
        for chunk in _chunks(file_codes):
            for member in session.scalars(select(CohortMember).where(
                    CohortMember.cohort_id.in_(cohort_ids),
                    CohortMember.participant_code.in_(chunk)).options(
                    selectinload(CohortMember.user))):
                codes[(member.cohort_id, member.participant_code or "")] = member

    for row in plan.rows:
        if row.errors:
            row.action = ACTION_ERROR
            continue
        target = cohort_plans[_key(row.cohort)].cohort
        user = users.get(row.values["email"])
        member = members.get((target.id, user.id)) if target and user else None
        code = row.values.get("participant_code")
        if target is not None and code:
            owner = codes.get((target.id, code))
            if owner is not None and (user is None or owner.user_id != user.id):
                row.errors.append(FieldError(
                    f"participant code {code!r} already belongs to {owner.user.email} in this "
                    "cohort", field="participant_code", row=row.line))
                row.action = ACTION_ERROR
                continue
        row.user, row.member = user, member
        if user is None:
            row.action = ACTION_CREATE
        elif member is None:
            row.action = ACTION_ADD
            if not user.is_active:
                row.warnings.append(FieldError(
                    "this account is disabled: the participant cannot log in", field="email",
                    row=row.line))
        else:
            for name in MEMBER_FIELDS:
                # An empty cell (or a missing column) does not erase what is known.
                if name not in row.filled or name not in row.values:
                    continue
                new = row.values[name]
                if getattr(member, name) != new:
                    row.changes[name] = (getattr(member, name), new)
            row.action = ACTION_UPDATE if row.changes else ACTION_UNCHANGED
            if member.status == STATUS_WITHDRAWN:
                row.warnings.append(FieldError(
                    "has withdrawn from this cohort; the import does not re-enrol them (set "
                    "them back to invited on their page)", field="email", row=row.line))
    return plan


def import_members(session: Session, actor: User | None, programme: Programme, data: bytes, *,
                   now: datetime, default_language: str, dry_run: bool,
                   cohort: Cohort | None = None, cohort_name: str | None = None,
                   max_bytes: int = csv_import.MAX_IMPORT_BYTES, invite_new: bool = False,
                   base_url: str | None = None) -> ImportPlan:
    """Preview (``dry_run``) or apply an import. Applying is all-or-nothing: with any error,
    :class:`ImportFailed` is raised before anything is written. With ``invite_new``, members
    added by this import (and never invited) get their invitation."""
    plan = plan_import(session, actor, programme, data, cohort=cohort, cohort_name=cohort_name,
                       default_language=default_language, max_bytes=max_bytes)
    plan.dry_run = dry_run
    if dry_run:
        return plan
    if not plan.ok:
        raise ImportFailed(plan)
    for cohort_plan in plan.cohorts:
        if cohort_plan.cohort is None:
            cohort_plan.cohort = create_cohort(session, actor, programme,
                                               {"name": cohort_plan.name}, now=now)
    by_key = {_key(c.name): c.cohort for c in plan.cohorts}
    new_members: list[CohortMember] = []
    created_users: dict[str, User] = {}
    for row in plan.rows:
        target = by_key[_key(row.cohort)]
        assert target is not None
        fields = {k: v for k, v in row.values.items() if k in MEMBER_FIELDS}
        if row.action in (ACTION_CREATE, ACTION_ADD):
            user = row.user or created_users.get(row.values["email"])
            if user is None:
                user, _ = _find_or_create_user(session, row.values, now=now)
                created_users[user.email] = user
            member = CohortMember(cohort_id=target.id, user_id=user.id, status=STATUS_INVITED,
                                  created_at=now, **fields)
            member.user = user
            member.cohort = target
            session.add(member)
            row.member, row.user = member, user
            new_members.append(member)
        elif row.action == ACTION_UPDATE and row.member is not None:
            for name, (_old, new) in row.changes.items():
                setattr(row.member, name, new)
    session.flush()
    plan.applied = True
    # Disabled accounts were warned about in the preview; they are enrolled, not mailed.
    to_invite = [m for m in new_members if m.user.is_active]
    if invite_new and to_invite:
        if base_url is None:
            raise ValueError("base_url is needed to invite")
        invite(session, actor, to_invite, now=now, base_url=base_url)
        plan.invited = len(to_invite)
    return plan


# --- pending imports (the import page's preview → confirm) ----------------------------------


def store_pending_import(session: Session, actor: User, programme: Programme,
                         cohort: Cohort | None, filename: str, content: bytes, *,
                         now: datetime) -> PendingImport:
    require_manage(session, actor, programme)
    session.execute(delete(PendingImport).where(
        PendingImport.created_at < now - PENDING_IMPORT_LIFETIME))
    pending = PendingImport(user_id=actor.id, programme_id=programme.id,
                            cohort_id=cohort.id if cohort else None,
                            filename=csv_import.printable(filename or "upload.csv", 200)[:255],
                            content=content, sha256=hashlib.sha256(content).hexdigest(),
                            created_at=now)
    session.add(pending)
    session.flush()
    return pending


def get_pending_import(session: Session, actor: User, pending_id: uuid.UUID, *,
                       now: datetime) -> PendingImport:
    pending = session.get(PendingImport, pending_id)
    if (pending is None or pending.user_id != actor.id
            or pending.created_at < now - PENDING_IMPORT_LIFETIME):
        raise NotFound("this import preview has expired or does not exist; upload the file "
                       "again")
    return pending


def confirm_pending_import(session: Session, actor: User, pending: PendingImport, *,
                           now: datetime, default_language: str, base_url: str,
                           invite_new: bool, max_bytes: int) -> ImportPlan:
    programme = get_programme(session, actor, pending.programme_id)
    cohort = get_cohort(session, actor, pending.cohort_id) if pending.cohort_id else None
    plan = import_members(session, actor, programme, pending.content, now=now,
                          default_language=default_language, dry_run=False, cohort=cohort,
                          max_bytes=max_bytes, invite_new=invite_new, base_url=base_url)
    session.delete(pending)
    session.flush()
    return plan


def cancel_pending_import(session: Session, actor: User, pending: PendingImport) -> None:
    if pending.user_id != actor.id:
        raise NotFound("no such import preview")
    session.delete(pending)
    session.flush()
