"""Posting lists read a block at a time are exactly what Whoosh's own iterator yields."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from pipeline.search.fields import build_schema
from pipeline.search.postings import all_ids


def test_a_block_at_a_time_reads_the_same_documents_as_whoosh(tmp_path: Path) -> None:
    index = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = index.writer()
    for number in range(1000):  # a common word spans many posting blocks; a rare one is inlined
        words = ["common", f"every{number % 7}"] + (["rare"] if number == 500 else [])
        writer.add_document(id=f"r{number}", type="project", title=" ".join(words), content="text")
    writer.commit()
    writer = index.writer()
    writer.delete_by_term("id", "r3")  # deleted documents are masked by the caller, not here
    writer.commit()
    with index.searcher() as searcher:
        [leaf] = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        for term in ("common", "every3", "rare", "text"):
            field = "content" if term == "text" else "title"
            expected = sorted(
                [
                    *leaf.postings(field, term).all_ids(),
                    *([3] if term in ("common", "every3", "text") else []),
                ]
            )
            assert np.array_equal(np.sort(all_ids(leaf, field, term)), expected), term
