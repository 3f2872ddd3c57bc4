"""Page handlers, one module per area of the service."""
