"""What the public credential page tests share: awarding a credential, fetching its page as a
browser does, and reading the page's meta tags, links and status."""

from __future__ import annotations

from html.parser import HTMLParser

from issuing_helpers import issuing_context

from badge_service.awards.service import issuing

BASE = "https://badges.example.org"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Page(HTMLParser):
    """The bits of a page the tests look at: meta tags, links, the status."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[str] = []
        self.status: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if tag == "meta" and (attributes.get("property") or attributes.get("name")):
            self.meta[attributes.get("property") or attributes["name"]] = attributes["content"]
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if attributes.get("data-status"):
            self.status = attributes["data-status"]


def award(app, session, world, achievement=None, person=None, **row):  # type: ignore[no-untyped-def]
    person = person or world.participants[0]
    result = issuing.award(session, world.trainer, achievement or world.units[0],
                           [issuing.AwardRow(person.email, **row)],
                           issuing=issuing_context(app, notify=False))
    session.commit()
    return result.outcomes[0].credential


def page_of(client, credential, **headers):  # type: ignore[no-untyped-def]
    response = client.get(f"/credentials/{credential.id}", headers={"Accept": BROWSER, **headers})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response
