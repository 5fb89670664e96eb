"""The dashboard: where operations staff, community builders and coordinators work, live, in Dutch."""
