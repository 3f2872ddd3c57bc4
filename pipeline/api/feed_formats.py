"""A feed as bytes: JSON Feed 1.1 as it is, or the same items as an Atom 1.0 document."""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree as ET

import msgspec

from pipeline.schemas.feeds import JsonFeed

JSON_FEED = "application/feed+json"
ATOM = "application/atom+xml"
ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot hold at all, even escaped: most C0 controls, surrogates, U+FFFE/F.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def json_feed_document(feed: JsonFeed) -> bytes:
    return msgspec.json.encode(feed)


def atom_document(feed: JsonFeed, updated: datetime) -> bytes:
    """RFC 4287: the feed's id is its address; each entry's id is the record's stable URN."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(_tag("feed"), {"xml:lang": "en-GB"})
    _text(root, "id", feed.feed_url)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.description)
    _text(root, "updated", _iso(updated))
    _link(root, "self", feed.feed_url, "application/atom+xml")
    _link(root, "alternate", feed.home_page_url, "text/html")
    if feed.next_url:
        _link(root, "next", feed.next_url, "application/atom+xml")
    _text(ET.SubElement(root, _tag("author")), "name", "Pipeline")
    _text(root, "generator", "Pipeline")
    for item in feed.items:
        entry = ET.SubElement(root, _tag("entry"))
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _link(entry, "alternate", item.url, "text/html")
        _link(entry, "related", item.pipeline.api_url, "application/json")
        _text(entry, "published", _iso(item.date_published))
        _text(entry, "updated", _iso(item.date_modified))
        for author in item.authors:
            person = ET.SubElement(entry, _tag("author"))
            _text(person, "name", author.name)
            _text(person, "uri", author.url)
        _text(entry, "summary", item.content_text)
        ET.SubElement(entry, _tag("content"), {"type": "html"}).text = item.content_html
        for term in [item.pipeline.type, *item.pipeline.service_areas, *item.tags]:
            ET.SubElement(entry, _tag("category"), {"term": term})
    _make_xml_safe(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _make_xml_safe(root: ET.Element) -> None:
    """Drop what XML cannot hold from every text and attribute, whatever the database holds.

    Input is refused at the edge, but a record stored before that rule, or written by hand,
    must not make the whole feed unreadable for every subscriber.
    """
    for element in root.iter():
        if element.text:
            element.text = NOT_XML.sub("", element.text)
        for name, value in element.attrib.items():
            element.attrib[name] = NOT_XML.sub("", value)


def _tag(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, _tag(name)).text = value


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, _tag("link"), {"rel": rel, "href": href, "type": media_type})


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
