"""The root of the scheduling service's errors (pure: the domain raises them too)."""


class SchedulingError(Exception):
    """Root of the scheduling service's own errors."""
