"""The pure rules of initiatives: lifecycle, working days, assignment, subsidy fit (no I/O)."""
