"""Notifications: conflict warnings delivered to the people who must act, once, in time."""

NAME = "notifications"
"""The service's name: the source of its events, its consumer group, its database."""
