"""Extract the dashboard's texts and update the nl and en catalogues: ``python -m dashboard.messages``.

Translate the new entries of ``locales/nl/LC_MESSAGES/messages.po`` afterwards; English texts are the
message ids themselves, so the en catalogue needs translations only where the wording should differ.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface

from dashboard.i18n import LANGUAGES

KEYWORDS = ("N_", "text:2", "problem")
HERE = Path(__file__).parent


def update_catalogues() -> None:
    """Extract every marked text into the template, then merge it into each language's catalogue."""
    template = HERE / "locales" / "messages.pot"
    keywords = [argument for keyword in KEYWORDS for argument in ("-k", keyword)]
    _babel(
        "extract",
        "-F",
        str(HERE / "babel.cfg"),
        *keywords,
        "--no-location",
        "--sort-output",
        "--project",
        "Werkplaats dashboard",
        "-o",
        str(template),
        str(HERE),
    )
    for language in LANGUAGES:
        catalogue = HERE / "locales" / language / "LC_MESSAGES" / "messages.po"
        if catalogue.exists():
            _babel("update", "-i", str(template), "-l", language, "-o", str(catalogue), "--no-fuzzy-matching")
        else:
            _babel("init", "-i", str(template), "-l", language, "-o", str(catalogue))


def _babel(*arguments: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *arguments])  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    update_catalogues()
