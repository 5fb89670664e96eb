"""CBS wijken and buurten, shared by every service: names from data, and which neighbourhood codes meet."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


def is_wijk(code: str) -> bool:
    """Whether ``code`` is a wijk code (``WK`` + 6 digits) rather than a buurt code."""
    return code.startswith("WK")


def wijk_of(code: str) -> str:
    """Return the wijk a code lies in, derived from the code itself (so unknown codes work too)."""
    return "WK" + code[2:8]


def meets(a: str, b: str) -> bool:
    """Whether two codes share ground: equal, or one is a wijk and the other a buurt in it."""
    if a == b:
        return True
    if is_wijk(a) != is_wijk(b):
        return wijk_of(a) == wijk_of(b)
    return False


def shared_codes(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    """Where two code sets meet, each meeting named by its most specific code, sorted."""
    b_codes = tuple(b)
    shared = set()
    for code_a in a:
        for code_b in b_codes:
            if meets(code_a, code_b):
                shared.add(code_b if is_wijk(code_a) else code_a)
    return tuple(sorted(shared))


def shared_wijken(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    """Return the wijken two code sets share after expanding wijken to buurten, sorted."""
    return tuple(sorted({wijk_of(code) for code in shared_codes(a, b)}))


@dataclass(frozen=True)
class Areas:
    """Names of the wijken and buurten we know, with where they come from."""

    names: Mapping[str, str]
    source: str = ""
    checked: str = ""
    buurten: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def name(self, code: str) -> str:
        """Return the name of a wijk or buurt, or the code itself when it is not in the data."""
        return self.names.get(code, code)

    def buurten_of(self, wijk: str) -> tuple[str, ...]:
        """Return the buurt codes of a wijk as far as the data knows them."""
        return self.buurten.get(wijk, ())


def areas_from_document(document: Mapping[str, object]) -> Areas:
    """Build :class:`Areas` from the parsed ``areas.json`` shape."""
    names: dict[str, str] = {}
    buurten: dict[str, tuple[str, ...]] = {}
    wijken = document.get("wijken", [])
    assert isinstance(wijken, list)
    for wijk in wijken:
        names[wijk["code"]] = wijk["name"]
        buurten[wijk["code"]] = tuple(buurt["code"] for buurt in wijk.get("buurten", []))
        names.update({buurt["code"]: buurt["name"] for buurt in wijk.get("buurten", [])})
    return Areas(names, str(document.get("source", "")), str(document.get("checked", "")), buurten)


@cache
def load_areas() -> Areas:
    """Return the areas shipped in ``contracts/areas.json``."""
    text = resources.files("contracts").joinpath("areas.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert isinstance(document, dict)
    return areas_from_document(document)
