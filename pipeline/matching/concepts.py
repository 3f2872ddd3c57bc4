"""Text to concepts: the stems a text is about, with council synonyms folded into one concept."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

from whoosh.analysis import StemmingAnalyzer

from pipeline.matching.vocabulary import ENGLISH_STOP_WORDS, GENERIC_WORDS, SYNONYMS

Stems = tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    """Something the text is about: any of `variants` (each a run of stems) names it."""

    label: str  # as the asker wrote it
    variants: tuple[Stems, ...]
    count: int = 1  # how often the text mentions it


@cache
def _analyzer() -> StemmingAnalyzer:
    # The same analysis as the search index's text fields, so stems line up with its terms.
    return StemmingAnalyzer()


@dataclass(frozen=True)
class Token:
    stem: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Each word of the text that is not a stop word: its stem and where it is."""
    return [Token(t.text, t.startchar, t.endchar) for t in _analyzer()(text, chars=True, mode="index")]


def stems(text: str) -> Stems:
    return tuple(token.stem for token in tokens(text))


@cache
def synonym_groups() -> tuple[tuple[Stems, ...], ...]:
    """Each synonym group as the stem runs of its phrases, longest first."""
    groups = []
    for group in SYNONYMS:
        runs = {stems(phrase) for phrase in group}
        groups.append(tuple(sorted((r for r in runs if r), key=len, reverse=True)))
    return tuple(groups)


@cache
def _generic_stems() -> frozenset[str]:
    return frozenset(s for word in GENERIC_WORDS | ENGLISH_STOP_WORDS for s in stems(word))


def concepts(text: str) -> list[Concept]:
    """The concepts of a text, in order of first mention; synonyms and repeats counted once."""
    words = tokens(text)
    found: dict[Stems | int, Concept] = {}
    counts: Counter[Stems | int] = Counter()
    position = 0
    while position < len(words):
        group, run = _group_at(words, position)
        first, last = words[position], words[position + max(len(run), 1) - 1]
        label = " ".join(text[first.start : last.end].lower().split())
        position += max(len(run), 1)
        if group is not None:
            key: Stems | int = group
            found.setdefault(key, Concept(label, synonym_groups()[group]))
        elif first.stem in _generic_stems() or len(first.stem) < 2 or first.stem.isdigit():
            continue
        else:
            key = (first.stem,)
            found.setdefault(key, Concept(label, ((first.stem,),)))
        counts[key] += 1
    return [Concept(c.label, c.variants, counts[key]) for key, c in found.items()]


def _group_at(words: list[Token], position: int) -> tuple[int | None, Stems]:
    """The synonym group whose longest phrase starts at `position`, if any."""
    best: tuple[int | None, Stems] = (None, ())
    for index, runs in enumerate(synonym_groups()):
        for run in runs:
            window = tuple(token.stem for token in words[position : position + len(run)])
            if window == run and len(run) > len(best[1]):
                best = (index, run)
    return best


def words_for(text: str, concept: Concept) -> list[str]:
    """The words of `text` that name `concept` (as the text spells them), first mention first."""
    words = tokens(text)
    found: list[str] = []
    for position in range(len(words)):
        for run in concept.variants:
            window = words[position : position + len(run)]
            if tuple(t.stem for t in window) == run:
                phrase = " ".join(text[window[0].start : window[-1].end].split())
                if phrase.lower() not in (f.lower() for f in found):
                    found.append(phrase)
    return found
