"""Identity: who is acting (actors), people signing in by emailed link, and API tokens."""
