"""Discovery: search, feeds, partner matching and the change feed that let people and systems find records."""
