"""The gettext catalogues: every text of the pages has its Dutch translation, and none is stale."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dashboard.i18n import translations
from dashboard.messages import KEYWORDS

PACKAGE = Path(str(resources.files("dashboard")))


def _catalogue(language: str) -> dict[str, str]:
    with (PACKAGE / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {str(message.id): str(message.string) for message in read_po(source) if message.id}


def _extracted() -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    for keyword in KEYWORDS:
        name, _, position = keyword.partition(":")
        keywords[name] = (int(position),) if position else None
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True"}}
    found = extract_from_dir(str(PACKAGE), method_map, options, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def test_every_text_on_the_pages_is_in_the_catalogues() -> None:
    missing = _extracted() - set(_catalogue("nl"))
    assert not missing, f"run python -m dashboard.messages and translate: {sorted(missing)}"


def test_every_dutch_entry_is_translated() -> None:
    untranslated = [message for message, text in _catalogue("nl").items() if not text]
    assert untranslated == []


def test_english_reads_the_message_ids_and_dutch_its_translations() -> None:
    assert translations("en").gettext("Today") == "Today"
    assert translations("nl").gettext("Today") == "Vandaag"
    assert translations("nl").gettext("Room booked twice") == "Zaal dubbel geboekt"
