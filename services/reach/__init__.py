"""Reach knowledge: which ways of reaching residents work, where and for whom."""
