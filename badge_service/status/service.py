"""Allocating status entries, flipping them, and the signed status list credentials.

Allocation picks a random index (so an index reveals neither issuance order nor volume) and
inserts a ``StatusEntry`` inside a savepoint; the (list, index) unique constraint turns a race
between two workers into a retry, never a duplicate. A list is retired from allocation at 3/4
full, so random picks stay cheap; a new list then starts.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badge_service.errors import Conflict, NotFound, ValidationFailed
from badge_service.formats import conformance
from badge_service.organisations.models import Organisation
from badge_service.status.models import StatusEntry, StatusList
from credentials import data_integrity
from credentials import status_list as bitstring
from credentials.jwt import sign_jwt
from credentials.verify import parse_datetime

PURPOSES = ("revocation", "suspension")
LIST_SIZE = bitstring.MIN_ENTRIES
FILL_LIMIT = 3 * LIST_SIZE // 4
#: How long a signed list stays valid; verifiers refetch well before (Cache-Control).
SIGNED_VALIDITY = timedelta(days=2)
RESIGN_MARGIN = timedelta(days=1)
_rng = secrets.SystemRandom()


@dataclass(frozen=True)
class Allocation:
    status_list: StatusList
    index: int


def list_url(public_base_url: str, organisation: Organisation, purpose: str, number: int) -> str:
    return f"{public_base_url}/status/{organisation.slug}/{purpose}/{number}"


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValidationFailed(f"unknown status purpose {purpose!r}")


def _open_list(session: Session, organisation: Organisation, purpose: str, issuer_id: str,
               now: datetime) -> StatusList:
    current = session.scalar(
        select(StatusList)
        .where(StatusList.organisation_id == organisation.id, StatusList.purpose == purpose,
               StatusList.issuer_id == issuer_id)
        .order_by(StatusList.number.desc()).limit(1))
    if current is not None and current.allocated < FILL_LIMIT:
        return current
    last = session.scalar(
        select(func.max(StatusList.number))
        .where(StatusList.organisation_id == organisation.id, StatusList.purpose == purpose))
    number = (last or 0) + 1
    try:
        with session.begin_nested():
            created = StatusList(organisation_id=organisation.id, purpose=purpose, number=number,
                                 issuer_id=issuer_id, size=LIST_SIZE,
                                 bits=bytes(LIST_SIZE // 8), created_at=now, updated_at=now)
            session.add(created)
        return created
    except IntegrityError:
        # Another worker opened this list first: use theirs.
        return session.scalars(select(StatusList).where(
            StatusList.organisation_id == organisation.id, StatusList.purpose == purpose,
            StatusList.number == number)).one()


def allocate(session: Session, organisation: Organisation, purpose: str, *, issuer_id: str,
             now: datetime, rng: random.Random | None = None) -> Allocation:
    """A fresh, never-used index on the current ``purpose`` list of ``issuer_id``."""
    _check_purpose(purpose)
    rng = rng or _rng
    for _ in range(64):
        status_list = _open_list(session, organisation, purpose, issuer_id, now)
        # Lock the list row first (held until commit): entries are then only inserted by the
        # transaction holding it, so concurrent batches never wait on each other's
        # uncommitted entries (which deadlocked on PostgreSQL).
        session.execute(select(StatusList.id).where(StatusList.id == status_list.id)
                        .with_for_update())
        index = rng.randrange(status_list.size)
        try:
            with session.begin_nested():
                session.add(StatusEntry(status_list_id=status_list.id, index=index,
                                        allocated_at=now))
        except IntegrityError:
            continue  # taken (by us earlier or by a concurrent worker): draw again
        session.execute(update(StatusList).where(StatusList.id == status_list.id)
                        .values(allocated=StatusList.allocated + 1))
        session.refresh(status_list, ["allocated"])
        return Allocation(status_list, index)
    raise Conflict("could not allocate a status entry; try again")


def set_status(session: Session, status_list: StatusList, index: int, value: int, *,
               now: datetime) -> None:
    """Set one entry (1 = revoked / suspended). Locks the list row on PostgreSQL, so two
    concurrent changes to the same list cannot overwrite each other's bit."""
    # populate_existing: the row as locked, not a copy loaded earlier in this transaction
    # (writing back a stale copy would clear bits set meanwhile by others).
    locked = session.scalars(select(StatusList).where(StatusList.id == status_list.id)
                             .with_for_update()
                             .execution_options(populate_existing=True)).one()
    used = session.scalar(select(func.count()).select_from(StatusEntry).where(
        StatusEntry.status_list_id == locked.id, StatusEntry.index == index))
    if not used:
        raise NotFound(f"index {index} of this status list was never allocated")
    bits = bitstring.StatusList.from_bytes(locked.bits)
    if bits.get(index) == value:
        return
    locked.bits = bits.set(index, value).to_bytes()
    locked.revision += 1
    locked.updated_at = now
    session.flush()


def get_status(status_list: StatusList, index: int) -> int:
    return bitstring.StatusList.from_bytes(status_list.bits).get(index)


def find(session: Session, organisation: Organisation, purpose: str, number: int) -> StatusList:
    found = session.scalar(select(StatusList).where(
        StatusList.organisation_id == organisation.id, StatusList.purpose == purpose,
        StatusList.number == number))
    if found is None:
        raise NotFound(f"no {purpose} status list {number} for {organisation.slug}")
    return found


def signed_credential(session: Session, status_list: StatusList, *, identity, public_base_url: str,
                      now: datetime) -> dict:
    """The signed BitstringStatusListCredential for the list's current bits (re-signed only
    when the bits changed or the previous signature nears its validUntil)."""
    fresh = (status_list.signed is not None
             and status_list.signed_revision == status_list.revision
             and status_list.signed_until is not None
             and status_list.signed_until - RESIGN_MARGIN > now)
    if fresh:
        return status_list.signed  # type: ignore[return-value]
    url = list_url(public_base_url, status_list.organisation, status_list.purpose,
                   status_list.number)
    valid_until = now + SIGNED_VALIDITY
    unsigned = bitstring.status_list_credential(
        url, identity.issuer_id, bitstring.StatusList.from_bytes(status_list.bits),
        status_list.purpose, valid_from=now, valid_until=valid_until)
    signed = data_integrity.add_proof(unsigned, identity.signer(), created=now)
    # Checked before it is stored or served: no OB schema applies to a status list, so the
    # round trip (shape, contexts, signature, validity) is the whole check.
    conformance.check(signed, identity=identity, now=now, kind=None,
                      what=f"the status list {url}")
    status_list.signed = signed
    status_list.signed_revision = status_list.revision
    status_list.signed_until = valid_until
    session.flush()
    return signed


def signed_jwt(signed: dict, *, identity) -> str:
    """The same status list credential as a VC-JWT (compact JWS by the issuer's key), for
    verifiers that accept only JWT-secured lists. Signed from the Data Integrity form minus
    its proof, so both carry the same bits and validity window. Not stored: signing is cheap
    next to the request, and with Ed25519 the token is the same on every request (stable
    ETag) until the list itself is re-signed."""
    unsigned = {name: value for name, value in signed.items() if name != "proof"}
    token = sign_jwt(unsigned, identity.signer())
    # The Data Integrity form was checked when signed (signed_credential); this checks the
    # token itself, as of that signing time (its validFrom), so it needs no clock here.
    conformance.check_jwt(token, identity=identity, now=parse_datetime(signed.get("validFrom")),
                          what=f"the VC-JWT status list {signed.get('id')}")
    return token
