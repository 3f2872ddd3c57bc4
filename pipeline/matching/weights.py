"""Every number partner matching uses, in one place, with what it does.

The shapes were fixed before tuning: text evidence first; geography and a shared history as
multipliers of it, so a council with no record on the problem gets nothing from either. The
scorer's values were then chosen on the development set of real council projects by
five-fold cross-validation; docs/matching.md shows the figures and the command that
reruns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# How much closer ties multiply a council's text evidence (only the closest tie counts).
PLACE_BOOST = {"neighbour": 0.7, "county": 0.7, "combined_authority": 0.7, "region": 0.3, "kind": 0.0}


@dataclass(frozen=True)
class Weights:
    """How records are compared, and how each kind of evidence counts towards a council."""

    # Comparing texts: TF-IDF over the title and the other text, each concept once per field.
    title: float = 2.0  # a concept in the title counts as this many mentions in the text
    length_norm: float = 0.5  # a record k times the average length scores 1/k**length_norm
    concepts_per_record: int = 10  # a record shares a handful of a long text's concepts at best
    max_document_share: float = 0.5  # a concept in more of all records than this is not evidence
    min_similarity: float = 0.06  # weaker matches are not evidence
    distinctive_share: float = 0.05  # a record is evidence only if it shares a concept this rare...
    few_records: int = 5  # ...or found in no more than this many records (in a small registry)

    # From records to councils.
    participant: float = 0.5  # taking part in a record counts this share of owning it
    ratio: float = 0.3  # each further matching record counts this share of the one before
    records_counted: int = 4  # matching records kept (and named in reasons) per council
    dormant: float = 0.5  # a record nobody has changed or confirmed for nine months counts this share

    # Multipliers of a council's text evidence.
    place: dict[str, float] = field(default_factory=lambda: dict(PLACE_BOOST))
    worked_together: float = 2.0  # the council has shared a record with the asker before

    # Small additions, for ties between councils with similar evidence.
    service_area: float = 0.02
    tag: float = 0.02
    labels_cap: float = 0.06
    lgsl: float = 0.04  # a shared LGSL service, times how specific it is (rarer codes tell more)
    lgsl_cap: float = 0.08
    step_ahead: float = 0.02
    open_to_collaborate: float = 0.02

    def most_share(self, records: int) -> float:
        """The largest share of all records a concept may be in and still be distinctive."""
        return max(self.distinctive_share, self.few_records / max(records, 1))
