"""The index's text analysis (StemmingAnalyzer) taken apart, to run without Whoosh's generator
chain, which costs microseconds a word: same pattern, stop words, minimum length and stemmer,
so the stems line up with the index's terms."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import NamedTuple

from whoosh.analysis import StemmingAnalyzer


class Analysis(NamedTuple):
    pattern: re.Pattern[str]
    stops: frozenset[str]
    shortest: int
    stem: Callable[[str], str]


@cache
def analysis() -> Analysis:
    tokenizer, _, stop, stemmer = StemmingAnalyzer().items
    return Analysis(
        tokenizer.expression, frozenset(stop.stops), stop.min, lru_cache(maxsize=65536)(stemmer.stemfn)
    )
