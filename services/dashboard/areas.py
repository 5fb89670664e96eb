"""The wijken and buurten of Den Haag Zuidwest by CBS code, and the wijk a code lies in."""

from __future__ import annotations

from collections.abc import Iterable

WIJKEN: dict[str, str] = {
    "WK051836": "Moerwijk",
    "WK051834": "Morgenstond",
    "WK051833": "Bouwlust en Vrederust",
    "WK051835": "Zuiderpark",
}
"""The wijken the dashboard offers, in the order people look for them (CBS Wijk- en buurtkaart 2024)."""

BUURTEN: dict[str, str] = {
    "BU05183620": "Moerwijk-Oost",
    "BU05183637": "Moerwijk-West",
    "BU05183638": "Moerwijk-Noord",
    "BU05183639": "Moerwijk-Zuid",
    "BU05183480": "Morgenstond-Zuid",
    "BU05183488": "Morgenstond-West",
    "BU05183489": "Morgenstond-Oost",
    "BU05183387": "Venen, Oorden en Raden",
    "BU05183396": "Zijden, Steden en Zichten",
    "BU05183398": "Dreven en Gaarden",
    "BU05183399": "De Uithof",
    "BU05183536": "Zuiderpark",
}


def wijk_of(code: str) -> str:
    """The wijk code of a wijk or buurt code (a buurt code starts with its wijk's digits)."""
    return code if code.startswith("WK") else f"WK{code[2:8]}"


def wijken_of(codes: Iterable[str]) -> list[str]:
    """The wijken of ``codes``, sorted and without repeats."""
    return sorted({wijk_of(code) for code in codes})


def area_name(code: str) -> str:
    """A wijk's or buurt's name, or its code when the dashboard does not know it."""
    return WIJKEN.get(code) or BUURTEN.get(code) or code


def buurten_in(wijk: str) -> list[str]:
    """The buurten of ``wijk`` the dashboard knows."""
    return [code for code in BUURTEN if wijk_of(code) == wijk]
