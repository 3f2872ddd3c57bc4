"""Webhooks: a council's systems get changes pushed to them, signed."""
