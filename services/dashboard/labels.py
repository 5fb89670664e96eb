"""How the contracts' codes read for people (msgids in English, translated through the catalogues)."""

from __future__ import annotations

from dashboard.i18n import N_

RULES = {
    "neighbourhood_overlap": N_("Overlapping in the same neighbourhood"),
    "venue_double_booking": N_("Room booked twice"),
    "same_evening": N_("Same evening, same neighbourhood"),
    "target_group_overload": N_("Too many evenings for one group"),
    "unfavourable_date": N_("Unfavourable date"),
}
SEVERITIES = {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")}
STATUSES = {"open": N_("Open"), "acknowledged": N_("Acknowledged"), "resolved": N_("Resolved")}
KINDS = {
    "consultation": N_("Consultation evening"),
    "information_meeting": N_("Information meeting"),
    "residents_meeting": N_("Residents' meeting"),
    "workshop": N_("Workshop"),
    "walk": N_("Neighbourhood walk"),
    "office_hours": N_("Office hours"),
    "social": N_("Neighbourhood activity"),
    "survey": N_("Survey"),
}
TARGET_GROUPS = {
    "all_residents": N_("All residents"),
    "tenants": N_("Tenants"),
    "homeowners": N_("Homeowners"),
    "youth": N_("Young people"),
    "seniors": N_("Seniors"),
    "parents": N_("Parents"),
    "entrepreneurs": N_("Entrepreneurs"),
    "newcomers": N_("Newcomers"),
}
HISTORY = {
    "conflict.detected": N_("Detected"),
    "conflict.acknowledged": N_("Acknowledged"),
    "conflict.resolved": N_("Resolved"),
}
ROLES = {
    "operations": N_("Operations"),
    "community_builder": N_("Community builder"),
    "coordinator": N_("Coordinator"),
}
METHODS = {
    "flyer": N_("Flyer"),
    "poster": N_("Poster"),
    "door_to_door": N_("Door to door"),
    "social_media": N_("Social media"),
    "whatsapp_group": N_("WhatsApp group"),
    "via_centre": N_("Through a community centre"),
    "via_school": N_("Through a school"),
    "via_self_organisation": N_("Through a self-organisation or faith community"),
    "key_figure": N_("Personal invitation by a key figure"),
    "local_newspaper": N_("Local newspaper"),
    "letter": N_("Letter from the municipality or the corporation"),
}
TABLES = {
    "rule": RULES,
    "severity": SEVERITIES,
    "status": STATUSES,
    "kind": KINDS,
    "group": TARGET_GROUPS,
    "history": HISTORY,
    "role": ROLES,
    "method": METHODS,
}
