"""Scheduling service: the shared agenda of Den Haag Zuidwest and its conflict warnings."""
