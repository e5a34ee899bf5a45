"""List endpoints answer 400 for page parameters out of range, never 500 (issue 7 §3).

page=10**30 used to reach the database as an OFFSET past 64-bit integers (a 500 from the
driver on PostgreSQL, an OverflowError on SQLite); a 5,000-digit page was an int() of it."""

from __future__ import annotations

import pytest
from accounts_helpers import bearer, make_user

from badge_service.edge.openapi import MAX_PAGE


def _paged_paths(client, headers) -> list[str]:
    """Every paged GET of the OpenAPI document that needs no path parameter."""
    document = client.get("/api/v1/openapi.json", headers=headers).json
    paths = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get and "{" not in path and any(p["name"] == "page" for p in get.get("parameters", [])):
            paths.append(path)
    return paths


@pytest.fixture
def admin_headers(app):
    return bearer(make_user("admin@example.org", admin=True))


def test_the_paged_lists_are_found(client, admin_headers):
    paths = _paged_paths(client, admin_headers)
    assert "/api/v1/users" in paths
    assert len(paths) >= 3, paths


BAD = [
    ({"page": str(10 ** 30)}, "page"),
    ({"page": "9" * 5000}, "page"),
    ({"page": str(MAX_PAGE + 1)}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "-1"}, "page"),
    ({"page": "1.5"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": ""}, "page"),
    ({"page": "١"}, "page"),  # an Arabic-Indic digit: int() takes it, the API does not
    ({"per_page": "0"}, "per_page"),
    ({"per_page": "100000"}, "per_page"),
    ({"per_page": str(10 ** 30)}, "per_page"),
]


@pytest.mark.parametrize(("query", "field"), BAD, ids=[f"{q}"[:40] for q, _ in BAD])
def test_out_of_range_pages_are_a_400_naming_the_parameter(client, admin_headers, query, field):
    for path in _paged_paths(client, admin_headers):
        response = client.get(path, query_string=query, headers=admin_headers)
        assert response.status_code == 400, (path, response.get_data(as_text=True)[:300])
        problem = response.json
        assert response.mimetype == "application/problem+json"
        assert problem["type"].endswith("invalid-page")
        assert [e["field"] for e in problem["errors"]] == [field]
        assert "whole number from 1 to" in problem["errors"][0]["message"]
        assert len(response.get_data()) < 2000  # the 5,000 digits are not echoed back


def test_both_parameters_wrong_are_both_named(client, admin_headers):
    response = client.get("/api/v1/users", query_string={"page": "x", "per_page": "0"},
                          headers=admin_headers)
    assert response.status_code == 400
    assert [e["field"] for e in response.json["errors"]] == ["page", "per_page"]


def test_the_last_allowed_page_is_an_empty_page_not_an_error(client, admin_headers):
    response = client.get("/api/v1/users", query_string={"page": str(MAX_PAGE), "per_page": "2"},
                          headers=admin_headers)
    assert response.status_code == 200
    assert response.json["items"] == []
    assert response.json["total"] == 1


def test_the_openapi_document_states_the_ranges(client, admin_headers):
    document = client.get("/api/v1/openapi.json", headers=admin_headers).json
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/users"]["get"]["parameters"]}
    assert parameters["page"]["schema"]["maximum"] == MAX_PAGE
    assert parameters["per_page"]["schema"]["maximum"] >= 1
