"""The wijken and buurten of Den Haag Zuidwest (CBS codes) that initiatives are for."""

from __future__ import annotations

import re

WIJKEN: dict[str, str] = {
    "WK051833": "Bouwlust en Vrederust",
    "WK051834": "Morgenstond",
    "WK051835": "Zuiderpark",
    "WK051836": "Moerwijk",
}
BUURTEN: dict[str, str] = {
    "BU05183387": "Venen, Oorden en Raden",
    "BU05183396": "Zijden, Steden en Zichten",
    "BU05183398": "Dreven en Gaarden",
    "BU05183399": "De Uithof",
    "BU05183480": "Morgenstond-Zuid",
    "BU05183488": "Morgenstond-West",
    "BU05183489": "Morgenstond-Oost",
    "BU05183536": "Zuiderpark",
    "BU05183620": "Moerwijk-Oost",
    "BU05183637": "Moerwijk-West",
    "BU05183638": "Moerwijk-Noord",
    "BU05183639": "Moerwijk-Zuid",
}
"""Source: CBS Wijk- en buurtkaart (GM0518), as listed in the project's reference facts."""


def wijk_of(code: str) -> str:
    """The wijk of a CBS wijk or buurt code (a buurt code is its wijk's code plus two digits)."""
    if re.fullmatch(r"WK\d{6}", code):
        return code
    if re.fullmatch(r"BU\d{8}", code):
        return "WK" + code[2:8]
    raise ValueError(f"{code!r} is not a CBS wijk (WK + 6 digits) or buurt (BU + 8 digits) code")


def main_wijk(codes: list[str]) -> str:
    """The wijk an initiative belongs to: that of its first neighbourhood code."""
    return wijk_of(codes[0])


def in_zuidwest(codes: list[str]) -> bool:
    """Whether every code lies in a Zuidwest wijk."""
    return all(wijk_of(code) in WIJKEN for code in codes)
