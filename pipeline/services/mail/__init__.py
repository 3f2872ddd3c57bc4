"""Mail: the transports that deliver it, the outbox that holds it until they have, and the
contacts it goes to."""
