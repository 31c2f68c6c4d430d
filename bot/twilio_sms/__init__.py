"""SMS through Twilio: outbound via the outbox, inbound answered by the core."""
