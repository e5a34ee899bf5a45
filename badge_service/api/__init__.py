"""The JSON API under ``/api/v1``: bearer-token authentication, problem+json errors, OpenAPI."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Importing the modules registers their routes on the blueprint and in the OpenAPI document.
from . import accounts, awards, cohorts, delivery, frameworks, openapi, programmes, vcapi  # noqa: E402, F401
