"""Scheduling service: the shared agenda of Den Haag Zuidwest and its conflict warnings."""

NAME = "scheduling"
"""The service's name: the source of its events, its consumer group, its database."""
