"""Dutch first, English second: gettext catalogues (Babel ``.po`` files) compiled when the app starts."""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("nl", "en")
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``language`` (``nl`` or ``en``)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    source = resources.files("dashboard").joinpath("locales", language, "LC_MESSAGES", f"{DOMAIN}.po")
    with source.open("rb") as po_file:
        catalogue = read_po(po_file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def pick_language(requested: str | None, accept_language: str | None, default: str) -> str:
    """The language of a page: the person's choice, else their browser's first known one, else ``default``."""
    if requested in LANGUAGES:
        return str(requested)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default
