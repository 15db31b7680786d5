"""Words the domain shows to people, held as stable keys (the English msgids of the catalogue in
apps/web/translations) and put into the reader's language by a ``Wording`` an adapter provides."""

from __future__ import annotations

from datetime import date
from typing import Protocol


def N_(msgid: str) -> str:  # the name Babel's extractor looks for
    """Marks a msgid for extraction (babel.cfg); the text is translated where it is shown."""
    return msgid


class Wording(Protocol):
    """The reader's language: texts by msgid, dates and numbers written its way."""

    @property
    def locale(self) -> str:
        """Babel's name of the language (``cs``, ``en``)."""

    def gettext(self, msgid: str, **params: object) -> str:
        """The msgid translated, ``%(name)s`` placeholders filled from ``params``."""

    def full_date(self, day: date) -> str:
        """A date in full: ``7. 12. 2026`` in Czech."""

    def short_day(self, day: date) -> str:
        """A day without its year, as under a chart's column: ``23. 11.`` in Czech."""

    def number(self, value: float) -> str:
        """A figure with up to two decimals: ``1 250,5`` in Czech."""
