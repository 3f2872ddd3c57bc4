"""Full-text search: a Whoosh index kept as a derived view of the change log."""

from pipeline.search.whoosh_fixes import remember_missing_length_columns

remember_missing_length_columns()
