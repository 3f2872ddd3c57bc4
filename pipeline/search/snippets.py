"""Highlighted snippets of a page of hits: the query's words marked in the stored text."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import Any

from whoosh import highlight
from whoosh import query as wq

from pipeline.search.analysis import analysis
from pipeline.search.fields import TEXT_FIELDS

SNIPPET_CHARS = 240
Words = dict[str, frozenset[str]]  # the query's words by text field
HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60),
    formatter=highlight.HtmlFormatter(tagname="mark", between=" … "),
)


def query_words(searcher: Any, query: wq.Query) -> Words:
    """The words of the query that are in the index, by text field (prefixes expanded)."""
    reader, schema = searcher.reader(), searcher.schema
    return {
        field: frozenset(
            schema[field].from_bytes(text)
            for _, text in query.existing_terms(reader, phrases=True, expand=True, fieldname=field)
        )
        for field in TEXT_FIELDS
    }


def snippet(searcher: Any, fields: dict[str, Any], words: Words | None) -> str:
    """Text around the query's words, HTML-escaped except for the <mark> tags; the start of the
    record's text when it has no words to mark (or there are none)."""
    if words:
        marked = _marked(searcher, fields, "content", words, top=2) or _marked(
            searcher, fields, "title", words, top=3
        )
        if marked:
            return " ".join(marked.split())
    return plain_snippet(fields)


def plain_snippet(fields: dict[str, Any]) -> str:
    content = " ".join(str(fields.get("content", "")).split())
    return escape(content[:SNIPPET_CHARS] + ("…" if len(content) > SNIPPET_CHARS else ""))


def _marked(searcher: Any, fields: dict[str, Any], field: str, words: Words, top: int) -> str:
    text = str(fields.get(field) or "")
    wanted = words.get(field)
    if not text or not wanted:
        return ""
    return str(HIGHLIGHTER.formatter.format(best_fragments(fragments(text, wanted), top)))


def fragments(text: str, wanted: frozenset[str]) -> list[highlight.Fragment]:
    """The passages around the query's words, as Whoosh's context fragmenter cuts them. (Whoosh
    first merges overlapping matched tokens; words found by one regular expression never
    overlap.)"""
    return list(HIGHLIGHTER.fragmenter.fragment_tokens(text, word_tokens(text, wanted)))


def best_fragments(found: list[highlight.Fragment], top: int) -> list[highlight.Fragment]:
    """The `top` best passages in text order: most different words, then most matches, then the
    earliest (Whoosh breaks ties by memory address, so its choice could change between runs)."""
    scorer = HIGHLIGHTER.scorer
    ranked = sorted(found, key=lambda fragment: (-scorer(fragment), fragment.startchar))
    return sorted((f for f in ranked[:top] if scorer(f) >= 1), key=lambda fragment: fragment.startchar)


class Word:
    """What the fragmenter and formatter read of a token: lighter than Whoosh's `Token`."""

    __slots__ = ("boost", "endchar", "matched", "startchar", "text")

    def __init__(self, text: str, startchar: int, endchar: int, matched: bool) -> None:
        self.text, self.startchar, self.endchar, self.matched = text, startchar, endchar, matched
        self.boost = 1.0

    def copy(self) -> Word:
        return Word(self.text, self.startchar, self.endchar, self.matched)


def word_tokens(text: str, wanted: frozenset[str]) -> Iterator[Word]:
    """The tokens Whoosh's analyzer would give the highlighter (stop words kept, unstemmed),
    each marked if the query has it, from one regular expression pass and remembered stems:
    several times cheaper than running the analyzer's generator chain again."""
    pattern, stops, shortest, stem = analysis()
    for match in pattern.finditer(text):
        word = match.group(0).lower()
        term = word if len(word) < shortest or word in stops else stem(word)
        yield Word(term, match.start(), match.end(), term in wanted)
