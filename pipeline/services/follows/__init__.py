"""Email updates: follows, their digests and one-click unsubscribing."""
