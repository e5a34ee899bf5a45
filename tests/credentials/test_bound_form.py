"""Verdicts follow the signed meaning: no RDF-equivalent rewrite of a credential improves one.

The proof covers the graph; the checks after it read JSON keys. Each rewrite here keeps the
graph (and so the signature) but moves a checked property out of the key the checks read: a
full IRI, an inline alias, a compact IRI, a value object, a keyword key, an embedded context,
reordered contexts. ``test_the_rewrites_keep_the_signature_and_fooled_the_old_checks`` shows
they are real (same canonical form, and with the form rule switched off a revoked and expired
credential comes out "valid"); the property test shows that with the rule, none helps.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_credential
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import credentials.verify as verify_module
from credentials import status_list
from credentials.bound_form import unbound_reason
from credentials.data_integrity import add_proof
from credentials.did import Resolver
from credentials.jsonld import bundled_loader, canonicalize
from credentials.keys import KeyPair
from credentials.verify import VERDICTS, verify

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIST_URL = "https://badges.example.org/status/1"
CRED = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

# property -> (its IRI, its coercion: a datatype, "@id", or None for a node/plain value)
TOP = {
    "validUntil": (CRED + "validUntil", XSD_DATETIME),
    "validFrom": (CRED + "validFrom", XSD_DATETIME),
    "credentialStatus": (CRED + "credentialStatus", None),
    "issuer": (CRED + "issuer", "@id"),
    "credentialSubject": (CRED + "credentialSubject", None),
}
IN_STATUS = {
    "statusPurpose": (STATUS + "statusPurpose", None),
    "statusListIndex": (STATUS + "statusListIndex", None),
    "statusListCredential": (STATUS + "statusListCredential", "@id"),
}


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.generate("Ed25519")


@pytest.fixture(scope="module")
def other_key() -> KeyPair:
    return KeyPair.generate("Ed25519")


def _status_list(key: KeyPair, purpose: str, index: int) -> dict:
    unsigned = status_list.status_list_credential(
        f"{LIST_URL}/{purpose}", key.did_key, status_list.StatusList().set(index, 1), purpose,
        valid_from=NOW - timedelta(days=60),
    )
    return add_proof(unsigned, key.signer(), created=NOW - timedelta(days=60))


@pytest.fixture(scope="module")
def lists(key) -> dict[str, dict]:
    return {f"{LIST_URL}/{p}": _status_list(key, p, 77) for p in ("revocation", "suspension")}


def _credential(key: KeyPair, state: str, other_key: KeyPair) -> dict:
    issued = NOW - timedelta(days=30)
    options: dict = {"issuer_id": key.did_key, "now": issued}
    if state in ("revoked-and-expired", "revoked"):
        options["credential_status"] = status_list.status_entry(
            f"{LIST_URL}/revocation", 77, "revocation")
    if state == "suspended":
        options["credential_status"] = status_list.status_entry(
            f"{LIST_URL}/suspension", 77, "suspension")
    if state in ("revoked-and-expired", "expired"):
        options["valid_until"] = NOW - timedelta(days=1)
    if state == "not-yet-valid":
        options["now"] = NOW + timedelta(days=10)
    if state == "wrong-issuer":
        options["issuer_id"] = other_key.did_key  # claims another issuer, signed by ``key``
    # For "wrong-issuer", tell add_proof the controller is the claimed issuer (it refuses to
    # sign otherwise); verification resolves the key and finds its real controller.
    return add_proof(make_credential(**options), key.signer(), created=issued,
                     controller=options["issuer_id"])


STATES = ("revoked-and-expired", "revoked", "suspended", "expired", "not-yet-valid",
          "wrong-issuer")


@pytest.fixture(scope="module")
def signed(key, other_key) -> dict[str, dict]:
    return {state: _credential(key, state, other_key) for state in STATES}


def _verify(document, lists):
    return verify(document, now=NOW, resolver=Resolver(), fetch_status_list=lists.__getitem__)


# --- the rewrites: each keeps the RDF graph ------------------------------------------------


def _value_object(value, coercion):
    if not isinstance(value, str):
        return value  # a node object (an issuer profile, a status entry) stays as it is
    if coercion == "@id":
        return {"@id": value}
    if coercion:
        return {"@value": value, "@type": coercion}
    return {"@value": value}


def _target(document: dict, prop: str) -> dict | None:
    if prop in TOP:
        return document
    status = document.get("credentialStatus")
    return status if isinstance(status, dict) else None


def _spec(prop: str):
    return TOP.get(prop) or IN_STATUS[prop]


def full_iri(document: dict, prop: str) -> dict:
    node = _target(document, prop)
    if node is not None and prop in node:
        iri, coercion = _spec(prop)
        node[iri] = _value_object(node.pop(prop), coercion)
    return document


def alias(document: dict, prop: str, *, embedded: bool = False) -> dict:
    node = _target(document, prop)
    if node is None or prop not in node:
        return document
    iri, coercion = _spec(prop)
    definition = {"@id": iri, **({"@type": coercion} if coercion else {})}
    name = "x" + prop.capitalize()
    node[name] = node.pop(prop)
    if embedded and node is not document:
        node["@context"] = {name: definition}
    else:
        document["@context"] = [*document["@context"], {name: definition}]
    return document


def compact_iri(document: dict, prop: str) -> dict:
    node = _target(document, prop)
    if node is None or prop not in node:
        return document
    iri, coercion = _spec(prop)
    prefix, local = ("c", iri[len(CRED):]) if iri.startswith(CRED) else ("s", iri[len(STATUS):])
    document["@context"] = [*document["@context"],
                            {prefix: CRED if prefix == "c" else STATUS}]
    node[f"{prefix}:{local}"] = _value_object(node.pop(prop), coercion)
    return document


def value_object(document: dict, prop: str) -> dict:
    node = _target(document, prop)
    if node is not None and isinstance(node.get(prop), str):
        _, coercion = _spec(prop)
        node[prop] = _value_object(node[prop], coercion)
    return document


def keyword_keys(document: dict, prop: str) -> dict:
    node = _target(document, prop) or document
    for term, keyword in (("type", "@type"), ("id", "@id")):
        if term in node:
            node[keyword] = node.pop(term)
    return document


def reorder_contexts(document: dict, prop: str) -> dict:
    first, *rest = document["@context"]
    document["@context"] = [first, *reversed(rest)]
    return document


REWRITES = {
    "full-iri": full_iri,
    "alias": alias,
    "embedded-alias": lambda d, p: alias(d, p, embedded=True),
    "compact-iri": compact_iri,
    "value-object": value_object,
    "keyword-keys": keyword_keys,
    "reorder-contexts": reorder_contexts,
}
PROPERTIES = sorted(TOP) + sorted(IN_STATUS)


def _apply(document: dict, steps) -> dict:
    rewritten = deepcopy(document)
    for kind, prop in steps:
        rewritten = REWRITES[kind](rewritten, prop)
    return rewritten


def _unsigned(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "proof"}


# --- tests ---------------------------------------------------------------------------------


def test_originals_get_the_verdicts_they_deserve(signed, lists):
    verdicts = {state: _verify(doc, lists).verdict for state, doc in signed.items()}
    assert verdicts == {
        "revoked-and-expired": "revoked", "revoked": "revoked", "suspended": "suspended",
        "expired": "expired", "not-yet-valid": "not-yet-valid", "wrong-issuer": "unknown-issuer",
    }


def test_the_rewrites_keep_the_signature_and_fooled_the_old_checks(signed, lists, monkeypatch):
    original = signed["revoked-and-expired"]
    hide = [("full-iri", "credentialStatus"), ("alias", "validUntil")]
    rewritten = _apply(original, hide)
    # Same graph: the signature still covers it.
    assert canonicalize(_unsigned(rewritten)) == canonicalize(_unsigned(original))
    for kind in REWRITES:
        for prop in PROPERTIES:
            variant = _apply(original, [(kind, prop)])
            assert canonicalize(_unsigned(variant)) == canonicalize(_unsigned(original)), (
                kind, prop)
    # Without the form rule (the code before it), the checks read nothing there: "valid".
    monkeypatch.setattr(verify_module, "unbound_reason", lambda *args: None)
    fooled = _verify(rewritten, lists)
    assert (fooled.verified, fooled.verdict) == (True, "valid")
    monkeypatch.undo()
    refused = _verify(rewritten, lists)
    assert (refused.verified, refused.verdict) == (False, "malformed")
    assert {p.type for p in refused.errors} >= {"unbound-form"}


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    state=st.sampled_from(STATES),
    steps=st.lists(st.tuples(st.sampled_from(sorted(REWRITES)), st.sampled_from(PROPERTIES)),
                   min_size=1, max_size=3),
)
def test_no_rewrite_improves_a_verdict(signed, lists, state, steps):
    original = _verify(signed[state], lists)
    rewritten_document = _apply(signed[state], steps)
    if rewritten_document == signed[state]:
        return  # the step did not apply (e.g. no credentialStatus to rewrite)
    rewritten = _verify(rewritten_document, lists)
    assert not rewritten.verified, (state, steps)
    assert VERDICTS.index(rewritten.verdict) <= VERDICTS.index(original.verdict), (
        state, steps, rewritten.verdict, original.verdict)


@pytest.mark.parametrize("kind", sorted(set(REWRITES) - {"reorder-contexts"}))
def test_each_rewrite_is_refused_with_its_place(signed, kind):
    prop = "statusListIndex" if kind == "embedded-alias" else "validUntil"
    if kind == "keyword-keys":
        prop = "validFrom"
    rewritten = _apply(signed["revoked-and-expired"], [(kind, prop)])
    reason = unbound_reason(rewritten, bundled_loader())
    assert reason, kind


def test_reordered_contexts_keep_the_meaning_and_the_verdict(signed, lists):
    # VC 2.0 comes first and is @protected, OB too: with bundled contexts only, reordering the
    # rest cannot change what a term means, so the same checks give the same verdict.
    rewritten = _apply(signed["revoked"], [("reorder-contexts", "validUntil")])
    result = _verify(rewritten, lists)
    assert result.verdict == "revoked"


@pytest.mark.parametrize(
    ("context", "accepted"),
    [
        ({"myExtension": "https://example.org/vocab#myExtension"}, True),
        ({"myExtension": {"@id": "https://example.org/vocab#x", "@type": "@id"}}, True),
        ({"expires": "https://www.w3.org/2018/credentials#validUntil"}, False),
        ({"nom": "https://schema.org/name"}, False),
        ({"validUntil": "https://example.org/other"}, False),
        ({"myid": "@id"}, False),
        ({"@vocab": "https://example.org/"}, False),
        ({"@base": "https://example.org/"}, False),
        ({"ex": "https://example.org/"}, False),  # usable as a prefix
        ({"scoped": {"@id": "https://example.org/s", "@context": {"validUntil": "x"}}}, False),
        ({"@version": 1.1, "@protected": True}, True),
    ],
)
def test_inline_contexts_may_add_terms_but_not_alias_ours(context, accepted):
    document = {"@context": ["https://www.w3.org/ns/credentials/v2", context],
                "type": ["VerifiableCredential"]}
    assert (unbound_reason(document, bundled_loader()) is None) is accepted


def test_language_tagged_names_are_accepted_typed_values_elsewhere_are_not():
    base = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
    named = {**base, "name": [{"@value": "Badge", "@language": "en"},
                              {"@value": "Badge", "@language": "fr"}]}
    assert unbound_reason(named, bundled_loader()) is None
    typed = {**base, "name": {"@value": "Badge", "@type": "https://example.org/t"}}
    assert "@type" in unbound_reason(typed, bundled_loader())
    dated = {**base, "validFrom": {"@value": "2020-01-01T00:00:00Z"}}
    assert "validFrom" in unbound_reason(dated, bundled_loader())


def test_presentations_follow_the_same_rule(signed, lists):
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "https://www.w3.org/2018/credentials#holder": {"@id": "did:example:holder"},
        "verifiableCredential": [signed["expired"]],
    }
    result = _verify(presentation, lists)
    assert not result.verified
    assert "unbound-form" in {p.type for p in result.errors}


def test_a_jcs_proof_may_repeat_the_documents_contexts_and_nothing_else():
    # eddsa-jcs-2022 puts the document's @context in its proof (vc-di-eddsa §3.3.1 step 2).
    document = make_credential(issuer_id="did:key:z6Mkexample", now=NOW)
    contexts = document["@context"]
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022"}
    loader = bundled_loader()
    for accepted in (contexts, contexts[:1]):
        assert unbound_reason({**document, "proof": {**proof, "@context": accepted}},
                              loader) is None
        assert unbound_reason({**document, "proof": [{**proof, "@context": accepted}]},
                              loader) is None
    aliasing = [*contexts, {"expires": "https://www.w3.org/2018/credentials#validUntil"}]
    for refused in (contexts[1:], aliasing, [], {"expires": "https://schema.org/x"}):
        reason = unbound_reason({**document, "proof": {**proof, "@context": refused}}, loader)
        assert reason is not None
        assert "/proof/@context" in reason
    # Elsewhere than in a proof, an embedded context stays refused.
    subject = {**document["credentialSubject"], "@context": contexts}
    assert "credentialSubject/@context" in unbound_reason(
        {**document, "credentialSubject": subject}, loader)
