"""Mail: the outbox that holds it until it is delivered, and the transports that deliver it."""
