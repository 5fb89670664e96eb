"""Data files of the initiatives service: subsidy rules."""
