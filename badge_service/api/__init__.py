"""The JSON API under ``/api/v1``: bearer-token authentication, problem+json errors, OpenAPI."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Importing the modules registers their routes on the blueprint and in the OpenAPI document.
from . import accounts, cohorts, frameworks, openapi, programmes  # noqa: E402, F401
