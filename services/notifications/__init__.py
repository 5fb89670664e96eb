"""Notifications: conflict warnings delivered to the people who must act, once, in time."""
