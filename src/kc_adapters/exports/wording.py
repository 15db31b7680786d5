"""The reader's language for the reports (``kc_domain.texts.Wording``) from a gettext catalogue and
Babel's locale data: the web passes flask-babel's catalogue of the request, the worker loads the
compiled catalogue itself (``catalogue_wording``), so both write a report in the same words."""

from __future__ import annotations

import gettext
from datetime import date
from pathlib import Path

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from babel.support import Translations

from . import date_text


class BabelWording:
    def __init__(self, translations: gettext.NullTranslations, locale: str) -> None:
        self._translations = translations
        self._locale = locale

    @property
    def locale(self) -> str:
        return self._locale

    def gettext(self, msgid: str, **params: object) -> str:
        found = self._translations.gettext(msgid)
        return found % params if params else found

    def full_date(self, day: date) -> str:
        return date_text(day, self._locale)

    def short_day(self, day: date) -> str:
        return str(format_skeleton("Md", day, locale=self._locale))

    def number(self, value: float) -> str:
        return str(format_decimal(value, "#,##0.##", locale=self._locale))


def catalogue_wording(directory: Path, locale: str, domain: str = "messages") -> BabelWording:
    """The words of ``locale`` from the compiled catalogues under ``directory`` (``<locale>/LC_MESSAGES/
    <domain>.mo``); a language without a catalogue reads the msgids (English)."""
    return BabelWording(Translations.load(str(directory), [locale], domain), locale)
