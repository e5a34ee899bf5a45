"""API: the current user, users and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import jsonify, url_for
from pydantic import BaseModel, Field
from sqlalchemy import select

from badge_service import policy
from badge_service.accounts.models import ApiToken, User
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.openapi import Strict, created, operation, paged, parse_body


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    preferred_language: str
    is_administrator: bool
    is_active: bool
    coordinator_of: list[uuid.UUID]


class UserIn(Strict):
    email: str = Field(max_length=320)
    display_name: str | None = Field(default=None, max_length=300)
    given_name: str | None = Field(default=None, max_length=200)
    family_name: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=1024)
    preferred_language: str = "fr"
    is_administrator: bool = False


class UserPatch(Strict):
    display_name: str | None = Field(default=None, max_length=300)
    preferred_language: str | None = None
    is_active: bool | None = None
    is_administrator: bool | None = None


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="the secret; only in the create response")


def user_out(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.id, email=user.email, display_name=user.display_name,
        preferred_language=user.preferred_language, is_administrator=user.is_administrator,
        is_active=user.is_active,
        coordinator_of=sorted(policy.coordinated_organisation_ids(db.session, user), key=str),
    ).model_dump(mode="json")


def token_out(token: ApiToken, secret: str | None = None) -> dict[str, Any]:
    return TokenOut(id=token.id, name=token.name, prefix=token.prefix,
                    created_at=token.created_at, expires_at=token.expires_at,
                    last_used_at=token.last_used_at, revoked_at=token.revoked_at,
                    token=secret).model_dump(mode="json", exclude_none=secret is None)


# --- me and users ----------------------------------------------------------------------------


@operation("/me", "GET", summary="The user the token belongs to", tag="accounts",
           response=UserOut)
def me() -> Any:
    return jsonify(user_out(api_user()))


@operation("/users", "GET", summary="List users (administrators)", tag="accounts",
           response=UserOut, paged=True)
def list_users() -> Any:
    policy.require_administrator(api_user())
    return paged(db.session, select(User).order_by(User.email), user_out)


@operation("/users", "POST", summary="Create a user (administrators)", tag="accounts",
           body=UserIn, response=UserOut, status=201)
def create_user() -> Any:
    actor = api_user()
    policy.require_administrator(actor)
    data = parse_body(UserIn)
    user = accounts.create_user(db.session, now=utcnow(), **data.model_dump())
    return created(user_out(user), url_for("api.accounts_get_user", user_id=user.id))


@operation("/users/<uuid:user_id>", "GET", summary="Get a user", tag="accounts",
           response=UserOut)
def get_user(user_id: uuid.UUID) -> Any:
    actor = api_user()
    if actor.id != user_id:
        policy.require_administrator(actor)
    return jsonify(user_out(accounts.get_user(db.session, user_id)))


@operation("/users/<uuid:user_id>", "PATCH",
           summary="Update a user (yourself: name and language; administrators: anyone, and "
                   "is_active / is_administrator)", tag="accounts", body=UserPatch,
           response=UserOut)
def update_user(user_id: uuid.UUID) -> Any:
    actor = api_user()
    data = parse_body(UserPatch).model_dump(exclude_unset=True)
    if actor.id != user_id:
        policy.require_administrator(actor)  # before saying whether the user exists
    user = accounts.get_user(db.session, user_id)
    return jsonify(user_out(accounts.update_user(db.session, actor, user, data)))


# --- tokens ----------------------------------------------------------------------------------


@operation("/tokens", "GET", summary="List your API tokens", tag="accounts",
           response=TokenOut, paged=True)
def list_tokens() -> Any:
    return paged(db.session, accounts.tokens_of(api_user()), token_out)


@operation("/tokens", "POST", summary="Create an API token (the secret is returned once)",
           tag="accounts", body=TokenIn, response=TokenOut, status=201)
def create_token() -> Any:
    data = parse_body(TokenIn)
    new = accounts.create_api_token(db.session, api_user(), data.name, now=utcnow(),
                                    expires_at=data.expires_at)
    return created(token_out(new.record, new.secret),
                   url_for("api.accounts_list_tokens"))


@operation("/tokens/<uuid:token_id>", "DELETE", summary="Revoke an API token", tag="accounts",
           status=204)
def revoke_token(token_id: uuid.UUID) -> Any:
    accounts.revoke_api_token(db.session, api_user(), token_id, now=utcnow())
    return "", 204


