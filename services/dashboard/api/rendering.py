"""Templates (Jinja2 with the gettext extension), one environment per language, and their helpers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, PackageLoader, select_autoescape

from dashboard.domain import areas as known_areas
from dashboard.i18n import LANGUAGES, translations
from dashboard.labels import TABLES

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Templates:
    """Renders a template in a language; every text goes through that language's catalogue."""

    def __init__(self) -> None:
        self._environments = {language: self._environment(language) for language in LANGUAGES}

    def render(self, language: str, name: str, context: dict[str, Any]) -> str:
        """The template ``name`` rendered in ``language``."""
        return self._environments[language].get_template(name).render(context)

    def gettext(self, language: str, message: str) -> str:
        """``message`` in ``language``."""
        return translations(language).gettext(message)

    def label(self, language: str, table: str, code: str | None) -> str:
        """How a contract code (rule, kind, group ...) reads in ``language``."""
        if code is None:
            return ""
        message = TABLES[table].get(code)
        return self.gettext(language, message) if message else code

    def _environment(self, language: str) -> Environment:
        environment = Environment(
            loader=PackageLoader("dashboard", "templates"),
            autoescape=select_autoescape(["html", "xml"], default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
        environment.globals.update(
            language=language,
            label=lambda table, code: self.label(language, table, code),
            area=known_areas().name,
            parse=datetime.fromisoformat,
            parse_date=date.fromisoformat,
            areas=lambda codes: ", ".join(known_areas().name(code) for code in codes),
            when=lambda moment, fmt="medium": _when(moment, fmt, language),
            day=lambda moment, fmt="full": _day(moment, fmt, language),
            clock=lambda moment: format_time(_local(moment), "HH:mm", locale=language),
            euros=lambda amount: format_currency(amount, "EUR", locale=_locale(language)),
            number=lambda value: format_decimal(value, locale=_locale(language)),
        )
        return environment


def _locale(language: str) -> str:
    return "nl_NL" if language == "nl" else "en_GB"


def _local(moment: datetime) -> datetime:
    return moment.astimezone(AMSTERDAM)


def _when(moment: datetime | None, fmt: str, language: str) -> str:
    if moment is None:
        return ""
    pattern = {"medium": "EEE d MMM y, HH:mm", "short": "d MMM HH:mm"}.get(fmt, fmt)
    return format_datetime(_local(moment), pattern, locale=_locale(language))


def _day(moment: date | datetime, fmt: str, language: str) -> str:
    if isinstance(moment, datetime):
        moment = _local(moment).date()
    pattern = {"full": "EEEE d MMMM y", "short": "EEE d MMM", "month": "MMMM y"}.get(fmt, fmt)
    return format_date(moment, pattern, locale=_locale(language))
