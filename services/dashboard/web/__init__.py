"""The dashboard's web layer: pages, sign-in, the live stream and the calendar feed."""
