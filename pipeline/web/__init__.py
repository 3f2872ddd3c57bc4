"""The web pages: server-rendered GOV.UK Frontend pages over the same services as the API."""
