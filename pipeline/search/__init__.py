"""Full-text search: a Whoosh index kept as a derived view of the change log."""
