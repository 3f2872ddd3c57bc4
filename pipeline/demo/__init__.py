"""Demo and benchmark data: the bundled seed and deterministic synthetic records; not business rules."""
