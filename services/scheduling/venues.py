"""Display names of the venues known in Zuidwest, for explanations people read."""

from __future__ import annotations

KNOWN_VENUES: dict[str, str] = {
    "allekanten": "Allekanten",
    "de-spruijt": "Buurtkamer De Spruijt",
    "wijkcentrum-moerwijk": "Wijkcentrum Moerwijk",
    "wijkcentrum-bouwlust": "Wijkcentrum Bouwlust",
}
