"""Display names of the organisations and venues known in Zuidwest, for explanations people read."""

from __future__ import annotations

KNOWN_ORGANISATIONS: dict[str, str] = {
    "gemeente-den-haag": "Gemeente Den Haag",
    "staedion": "Staedion",
    "haag-wonen": "Haag Wonen",
    "hof-wonen": "Hof Wonen",
    "mooi-welzijn": "Mooi Welzijn",
    "haags-sportkwartier": "Haags Sportkwartier",
    "allekanten": "Allekanten",
    "buurtkamer-de-spruijt": "Buurtkamer De Spruijt",
    "wijkcentrum-moerwijk": "Wijkcentrum Moerwijk",
    "npzw": "Nationaal Programma Den Haag Zuidwest",
}

KNOWN_VENUES: dict[str, str] = {
    "allekanten": "Allekanten",
    "de-spruijt": "Buurtkamer De Spruijt",
    "wijkcentrum-moerwijk": "Wijkcentrum Moerwijk",
    "wijkcentrum-bouwlust": "Wijkcentrum Bouwlust",
}
