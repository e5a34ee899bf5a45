"""Written reflections are rich text (HTML from the editor or typed paragraphs), cleaned by a
maintained sanitiser, ``nh3`` (Rust's ammonia), before they are stored: what a trainer, a jury
member or an employer later opens can hold formatting and links, never scripts, styles, forms or
embedded content."""

from __future__ import annotations

import html

import nh3

#: What a reflection may use: paragraphs, emphasis, lists, headings, quotes, code, links.
TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote",
                  "h3", "h4", "code", "pre", "a"})
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


FORMATS = ("text", "html")


def sanitise(text: str, text_format: str = "html") -> str:
    """The HTML to store. ``text``: typed paragraphs (blank lines between them), escaped, so a
    "<" in them stays a "<"; ``html``: what a rich-text editor sends, cleaned."""
    if text_format == "text":
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
        text = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
                       for p in paragraphs if p)
    return nh3.clean(text, tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer nofollow")


def plain_text(sanitised: str) -> str:
    """The words of a stored reflection, for lists, digests of length and CSV."""
    return html.unescape(nh3.clean(sanitised.replace("</p>", "</p>\n"), tags=set())).strip()
