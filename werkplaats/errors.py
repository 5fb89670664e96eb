"""The runtime's exception hierarchy."""


class WerkplaatsError(Exception):
    """Root of the runtime's own errors."""


class PermanentError(WerkplaatsError):
    """Processing this message can never succeed; it is dead-lettered without retries."""
