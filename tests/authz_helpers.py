"""The reviewed route tables of the authorisation tests (PUBLIC: anyone; ANY_USER: any
logged-in user) and a sample value for each kind of URL converter."""

from __future__ import annotations

import uuid

from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

#: Endpoints anyone may call without logging in, each with the reason it is public. Review
#: every addition: a new endpoint that is neither here nor refuses anonymous requests fails
#: test_every_route_refuses_anonymous_requests, whatever its name.
PUBLIC = {
    "static": "CSS, scripts, icons",
    "home.index": "home page",
    "home.problem": "problem type documentation (problem+json 'type' URIs)",
    "home.health": "load balancer health check",
    "accounts.login": "the login form",
    "accounts.request_login_link": "asks for a login link; says the same whether or not the "
                               "address has an account",
    "accounts.login_with_link": "token-gated: GET shows a button, POST spends the token",
    "accounts.forgot_password": "like request_login_link",
    "accounts.reset_password": "token-gated like login links",
    "api.openapi_document": "the API's description",
    "achievements.achievement_view": "an OB Achievement's id: verifiers and employers open it",
    "home.upload_file": "badge and issuer images, referenced by public credentials",
    "programmes.trainer_invitation": "token-gated like password resets (GET shows the form, "
                                     "POST spends the token)",
    "cohorts.accept_invitation": "token-gated like login links (GET confirms, POST spends)",
    # A credential's public face: its id (OB 3.0 / VC), the downloads linked from it.
    "delivery.public_credential": "a credential's id: HTML, or signed JSON by negotiation",
    "delivery.public_credential_json": "the signed credential, for verifiers",
    "delivery.public_credential_jwt": "the VC-JWT form, for verifiers",
    "delivery.public_credential_image": "the credential page's image (SVG)",
    "delivery.public_credential_image_png": "link previews (PNG)",
    "delivery.public_badge_svg": "baked badge download",
    "delivery.public_badge_png": "baked badge download",
    "certificates.public_certificate_pdf": "the PDF certificate of a credential",
    # What verifiers resolve: issuer DIDs and status lists.
    "organisations.public_did_document": "an organisation's did:web document",
    "organisations.public_host_did_document": "the host organisation's did:web document",
    "status.public_status_list": "Bitstring Status List credentials",
    # Employers verify without an account (rate-limited).
    "verification.public_verify": "the verification page",
    "verification.public_help": "help for the verification page",
    "api.verification_public_verify": "POST /api/v1/verify",
    "vcapi.public_verify_credential": "W3C VC-API verification",
    "vcapi.public_verify_presentation": "W3C VC-API verification",
}


def sample_value(converter) -> str:  # type: ignore[no-untyped-def]
    if isinstance(converter, UUIDConverter):
        return str(uuid.uuid4())
    if isinstance(converter, IntegerConverter):
        return "7"
    if isinstance(converter, FloatConverter):
        return "1.5"
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return f"x{uuid.uuid4().hex[:8]}"


#: Endpoints any logged-in user may use, GET answering 200 even when the path names another
#: organisation's objects, each with the reason. Review every addition. Every other endpoint
#: is swept by test_a_participant_reaches_no_staff_route.
ANY_USER = {
    "home.dashboard": "one's own dashboard",
    "accounts.logout": "one's own session",
    "accounts.change_password": "one's own password",
    "accounts.tokens": "one's own API tokens (page)",
    "api.accounts_me": "one's own profile",
    "api.accounts_list_tokens": "one's own API tokens",
    "api.accounts_create_token": "one's own API tokens",
    "cohorts.mine": "one's own cohorts",
    "api.cohorts_my_memberships": "one's own cohorts",
    "delivery.my_credentials": "one's own badges",
    "api.delivery_my_credentials": "one's own badges",
    "portfolios.index": "one's own portfolio",
    "api.portfolios_list_items": "one's own portfolio",
    "api.portfolios_list_competences": "the competences of one's own programmes",
    # Listings filtered to what the user may see (the sweep checks that nothing of the other
    # organisation's programmes, cohorts, participants or credentials shows).
    "programmes.programme_list": "filtered listing",
    "api.programmes_list_programmes": "filtered listing",
    "cohorts.index": "filtered listing",
    "awards.index": "filtered listing",
    "api.awards_list_credentials": "filtered listing",
    # Organisations issue public credentials: their names, logos and DIDs are public anyway.
    "organisations.organisation_list": "organisation directory",
    "organisations.organisation_view": "organisation directory",
    "api.organisations_list_organisations": "organisation directory",
    "api.organisations_get_organisation": "organisation directory",
    "api.organisations_list_coordinators": "whom to contact in an organisation (their emails)",
    # services/frameworks.py: "every logged-in user may read" frameworks, drafts included.
    "frameworks.framework_list": "frameworks are readable by all users",
    "frameworks.framework_view": "frameworks are readable by all users",
    "frameworks.version_view": "frameworks are readable by all users",
    "frameworks.version_export": "frameworks are readable by all users",
    "api.frameworks_list_frameworks": "frameworks are readable by all users",
    "api.frameworks_get_framework": "frameworks are readable by all users",
    "api.frameworks_export_framework": "frameworks are readable by all users",
    "api.frameworks_get_version": "frameworks are readable by all users",
    "api.frameworks_export_version": "frameworks are readable by all users",
    "api.frameworks_list_levels": "frameworks are readable by all users",
    "api.frameworks_get_item": "frameworks are readable by all users",
}
