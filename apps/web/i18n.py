"""Czech by default, English on request; times shown in the configured zone (Europe/Prague)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_locale

from kc_adapters.exports import DEFAULT_LOCALE, duration_text, number_text, percent_text

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = ("cs", "en")


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    user = g.get("user")
    if user is not None and user.language in LANGUAGES:
        return str(user.language)
    return str(current_app.config["KC_DEFAULT_LANGUAGE"])


def local_time(value: datetime | None, format: str = "medium") -> str:
    """A UTC instant shown in the configured zone and the UI language's format."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(current_app.config["KC_TIMEZONE"]))
    return format_datetime(local, format, locale=get_locale())


def locale_code() -> str:
    """The reader's language as Babel names it (``cs``, ``en``), for numbers and dates."""
    return str(get_locale() or DEFAULT_LOCALE)


def decimal(value: float | None, decimals: int = 0) -> str:
    """A number in the page's language: ``312,5`` with one decimal in Czech, ``312.5`` in English."""
    return "" if value is None else number_text(value, decimals, locale_code())


def percent(share: float | None, decimals: int = 1) -> str:
    """A share 0..1 as a percentage in the page's language: ``66,7 %`` in Czech, ``66.7%`` in English."""
    return "" if share is None else percent_text(share, decimals, locale_code())


def duration(seconds: float | None) -> str:
    """A duration as a clock: ``1:01``, ``1:02:03``."""
    return "" if seconds is None else duration_text(seconds)


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: current_app.config["KC_TIMEZONE"],
        default_translation_directories=str(TRANSLATIONS),
    )
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals["languages"] = LANGUAGES
    app.jinja_env.globals["current_locale"] = select_locale

    @app.context_processor
    def _request_path() -> dict[str, object]:
        return {"request_path": request.full_path.rstrip("?")}
