"""Text to concepts: the stems a text is about, with council synonyms folded into one concept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from pipeline.matching.vocabulary import ENGLISH_STOP_WORDS, SYNONYMS
from pipeline.search.analysis import analysis

Stems = tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    """Something the text is about: any of `variants` (each a run of stems) names it."""

    label: str  # as the asker wrote it
    variants: tuple[Stems, ...]
    count: int = 1  # how often the text mentions it


class Token(NamedTuple):
    stem: str
    start: int
    end: int


@lru_cache(maxsize=512)
def tokens(text: str) -> tuple[Token, ...]:
    """Each word of the text that is not a stop word: its stem and where it is (remembered:
    one answer reads a record's text more than once, and the next answer often reads it
    again; a few hundred texts cover that, at about 5 kB each)."""
    pattern, stops, shortest, stem = analysis()
    found = []
    for match in pattern.finditer(text):
        word = match.group(0).lower()
        if len(word) >= shortest and word not in stops:
            found.append(Token(stem(word), match.start(), match.end()))
    return tuple(found)


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
def _grammar_stems() -> frozenset[str]:
    """Words that carry no topic in any registry. Words that carry little in this one
    ("council", "residents", "online") are weighed down by how many records have them."""
    return frozenset(s for word in ENGLISH_STOP_WORDS for s in stems(word))


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
        elif first.stem in _grammar_stems() or len(first.stem) < 2 or first.stem.isdigit():
            continue
        else:
            key = (first.stem,)
            found.setdefault(key, Concept(label, ((first.stem,),)))
        counts[key] += 1
    return [Concept(c.label, c.variants, counts[key]) for key, c in found.items()]


@cache
def _runs_by_first_stem() -> dict[str, list[tuple[int, Stems]]]:
    index: dict[str, list[tuple[int, Stems]]] = {}
    for group, runs in enumerate(synonym_groups()):
        for run in runs:
            index.setdefault(run[0], []).append((group, run))
    return index


def _group_at(words: tuple[Token, ...], position: int) -> tuple[int | None, Stems]:
    """The synonym group whose longest phrase starts at `position`, if any."""
    best: tuple[int | None, Stems] = (None, ())
    for group, run in _runs_by_first_stem().get(words[position].stem, []):
        window = tuple(token.stem for token in words[position : position + len(run)])
        if window == run and len(run) > len(best[1]):
            best = (group, run)
    return best


def words_for(text: str, concept: Concept) -> list[str]:
    """The words of `text` that name `concept` (as the text spells them), first mention first."""
    words = tokens(text)
    starts = {run[0] for run in concept.variants}
    found: list[str] = []
    for position, token in enumerate(words):
        if token.stem not in starts:
            continue
        for run in concept.variants:
            window = words[position : position + len(run)]
            if tuple(t.stem for t in window) == run:
                phrase = " ".join(text[window[0].start : window[-1].end].split())
                if phrase.lower() not in (f.lower() for f in found):
                    found.append(phrase)
    return found


def spellings(text: str, wanted: tuple[Concept, ...]) -> list[str]:
    """How `text` first spells each of the concepts it names, in one pass over its words."""
    words = tokens(text)
    runs: dict[str, list[tuple[int, Stems]]] = {}
    for index, concept in enumerate(wanted):
        for run in concept.variants:
            runs.setdefault(run[0], []).append((index, run))
    first: dict[int, str] = {}
    for position, token in enumerate(words):
        for index, run in runs.get(token.stem, []):
            window = words[position : position + len(run)]
            if index not in first and tuple(t.stem for t in window) == run:
                first[index] = " ".join(text[window[0].start : window[-1].end].split())
    return [first[i] for i in sorted(first)]


# What a council is rather than where: a name made of these alone ("City of", the end of
# "Bristol, City of") names no place.
ADMINISTRATIVE = ("city", "county", "council", "borough", "district")


@dataclass(frozen=True)
class PlaceNames:
    """Places' names as runs of stems, and the longest run's length (how far to look ahead)."""

    runs: frozenset[Stems]
    longest: int


def place_name_runs(names: Iterable[str]) -> PlaceNames:
    """Places' names ("Kent", "Greater Manchester", "South East") as runs of stems."""
    administrative = {stem for word in ADMINISTRATIVE for stem in stems(word)}
    runs = frozenset(run for run in map(stems, names) if run and not set(run) <= administrative)
    return PlaceNames(runs, max(map(len, runs), default=0))


def place_stems(text: str, names: PlaceNames) -> frozenset[str]:
    """The stems `text` uses only in a place's name, written as a name is, with capitals:
    "Kent" in "Kent and Medway Care Record", but not "reading" in "reading the record"."""
    words = tokens(text)
    in_names: set[str] = set()
    elsewhere: set[str] = set()
    position = 0
    while position < len(words):
        length = _name_at(text, words, position, names)
        (in_names if length else elsewhere).update(
            t.stem for t in words[position : position + max(length, 1)]
        )
        position += max(length, 1)
    return frozenset(in_names - elsewhere)


def _name_at(text: str, words: tuple[Token, ...], position: int, names: PlaceNames) -> int:
    """How many words from `position` make the longest place name there (0: none)."""
    if not text[words[position].start].isupper():
        return 0  # most words: a name begins with a capital
    for length in range(min(names.longest, len(words) - position), 0, -1):
        window = words[position : position + length]
        if tuple(t.stem for t in window) in names.runs and all(text[t.start].isupper() for t in window):
            return length
    return 0
