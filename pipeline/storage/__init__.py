"""Storage: tables, engines, migrations and change-log queries; used only by services,
the demo loaders and the search indexer."""
