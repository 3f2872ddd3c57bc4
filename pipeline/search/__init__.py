"""Full-text search: a Whoosh index kept as a derived view of the change log."""

from pipeline.search import whoosh_fixes

whoosh_fixes.apply()
