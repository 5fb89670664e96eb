"""Revisions of the runtime's tables."""
