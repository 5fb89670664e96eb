"""The root of the centres service's domain errors."""


class CentresError(ValueError):
    """A request the centres domain refuses; the message says why."""
