"""Award emails through a real SMTP server: a composite achievement awarded automatically (the
NUMEFA certificate, once its five unit badges are held) is announced to the participant like any
other award — in their language, with its own link — and only once the transaction commits."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import send_mail_to
from issuing_helpers import issuing_context

from badge_service.awards.service import issuing

BASE = "https://badges.example.org"


@pytest.fixture
def app_config(app_config, smtp_server):
    return send_mail_to(smtp_server, app_config)



def _link(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(re.escape(BASE) + r"/credentials/[0-9a-f-]{36}", text)
    assert len(links) == 1, text
    return links[0]


def _complete_all_but_one_unit(app, session, world, person) -> None:
    # The demo certificate also requires a validated portfolio, which is reviewed by a later
    # feature; without that requirement it follows from the units alone.
    world.certificate.requires_portfolio = False
    session.commit()
    for unit in world.units[:-1]:
        result = issuing.award(session, world.trainer, unit, [issuing.AwardRow(person.email)],
                               issuing=issuing_context(app))
        assert result.composites == []
        session.commit()


@pytest.mark.parametrize(("language", "subject"), [("en", "You have earned: "),
                                                    ("fr", "Vous avez obtenu : ")])
def test_composite_award_is_emailed_after_commit(app, session, world, mailbox, language,
                                                 subject):
    person = world.participants[0]
    person.preferred_language = language
    session.commit()
    _complete_all_but_one_unit(app, session, world, person)
    assert len(mailbox) == len(world.units) - 1
    mailbox.clear()

    result = issuing.award(session, world.trainer, world.units[-1],
                           [issuing.AwardRow(person.email)], issuing=issuing_context(app))
    [certificate] = result.composites
    assert certificate.achievement_id == world.certificate.id
    assert mailbox == []  # nothing leaves before the commit
    session.commit()

    by_link = {_link(m): m for m in mailbox}
    unit_credential = result.outcomes[0].credential
    assert set(by_link) == {issuing.credential_url(BASE, unit_credential.id),
                            issuing.credential_url(BASE, certificate.id)}
    message = by_link[issuing.credential_url(BASE, certificate.id)]
    assert message["To"].addresses[0].addr_spec == person.email
    names = {"fr": world.certificate.name, **(world.certificate.name_i18n or {})}
    assert message["Subject"] == subject + names[language]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert world.programme.organisation.name in body
    assert certificate.notified_at is not None


def test_a_rolled_back_completing_award_sends_neither_email(app, session, world, mailbox):
    person = world.participants[1]
    _complete_all_but_one_unit(app, session, world, person)
    mailbox.clear()
    result = issuing.award(session, world.trainer, world.units[-1],
                           [issuing.AwardRow(person.email)], issuing=issuing_context(app))
    assert len(result.composites) == 1
    session.rollback()
    session.commit()  # a later, unrelated commit must not release the dropped messages
    assert mailbox == []


def test_composite_is_not_emailed_when_the_award_asks_for_no_email(app, session, world,
                                                                   mailbox):
    person = world.participants[2]
    _complete_all_but_one_unit(app, session, world, person)
    mailbox.clear()
    result = issuing.award(session, world.trainer, world.units[-1],
                           [issuing.AwardRow(person.email)],
                           issuing=issuing_context(app, notify=False))
    [certificate] = result.composites
    session.commit()
    assert mailbox == []
    assert certificate.notified_at is None


def test_a_batch_is_emailed_only_after_commit(app, session, world, mailbox):
    people = world.participants[:3]
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(p.email) for p in people],
                           issuing=issuing_context(app))
    assert len(result.issued) == 3
    assert mailbox == []
    session.commit()
    assert ({m["To"].addresses[0].addr_spec: _link(m) for m in mailbox}
            == {o.email: issuing.credential_url(BASE, o.credential.id) for o in result.outcomes})
