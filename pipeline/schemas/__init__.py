"""msgspec structs: the API's request and response bodies and the published data standard."""
