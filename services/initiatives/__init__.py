"""Initiatives: residents' initiatives from submission through intake, support and subsidy fit."""
