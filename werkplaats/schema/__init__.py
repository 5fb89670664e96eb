"""The runtime's own migrations (outbox and inbox tables), run after every service's."""
