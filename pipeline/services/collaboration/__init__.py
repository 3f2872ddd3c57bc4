"""Acting on a match: contacts, messages to the team behind a record, and interest in a project."""
