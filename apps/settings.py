"""Settings from ``KC_*`` environment variables: one object, validated at start-up.

A wrong value stops start-up with a message naming the variable and what it accepts.
docs/configuration.md lists the same table; tests/unit/test_settings.py keeps both in step.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs


class SettingsError(ValueError):
    """One or more ``KC_*`` variables are wrong; the message says which and why."""


@attrs.frozen
class Option:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any]
    allowed: str = ""


def _int(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError
        return value

    parse.__doc__ = f"an integer {low}..{high}"
    return parse


def _choice(*values: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in values:
            raise ValueError
        return raw

    return parse


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ValueError
    return lowered in ("1", "true", "yes", "on")


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.split(":", 1)[0].split("+", 1)[0] not in schemes:
            raise ValueError
        return raw

    return parse


def _zone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError from error
    return raw


def _text(raw: str) -> str:
    return raw


def _icis_template(raw: str) -> str:
    """Empty (no links), or an http(s) address with the person's {icis_id} or {identifier} in it."""
    if raw and (
        raw.split("://", 1)[0] not in ("http", "https")
        or ("{icis_id}" not in raw and "{identifier}" not in raw)
    ):
        raise ValueError
    return raw


def _word(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", raw):
        raise ValueError
    return raw


def _host(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.:-]{1,253}", raw):
        raise ValueError
    return raw


def _dial_template(raw: str) -> str:
    """A dial string with ``{number}`` where the number goes (PJSIP/{number}@trunk)."""
    if "{number}" not in raw or not re.fullmatch(r"[A-Za-z0-9_./@{}+-]{3,120}", raw):
        raise ValueError
    return raw


def _smtp_url(raw: str) -> str:
    if raw and raw.split("://", 1)[0] not in ("smtp", "smtps"):
        raise ValueError
    return raw


VAR = Path("var")
SECRETS = ("KC_SECRET_KEY", "KC_AUDIT_KEY")  # checked for length, masked by `kc check-config`
MASKED = (*SECRETS, "KC_ASTERISK_SECRET")  # never printed

OPTIONS = (
    Option(
        "KC_DATABASE_URL",
        f"sqlite:///{VAR / 'kc.sqlite3'}",
        "Database (SQLite file or PostgreSQL).",
        _url("sqlite", "postgresql"),
        "sqlite:///PATH or postgresql://USER@HOST/DB",
    ),
    Option(
        "KC_BUS_URL",
        "memory://",
        "Event bus between engine and web nodes (memory: one process only).",
        _url("memory", "redis"),
        "memory:// or redis://HOST:PORT/N",
    ),
    Option(
        "KC_SECRET_KEY",
        "",
        "Signs session cookies; empty: a random key kept in var/secret_key.",
        _text,
        "any string of 32+ characters",
    ),
    Option(
        "KC_TIMEZONE",
        "Europe/Prague",
        "Time zone for display, opening hours and schedules.",
        _zone,
        "an IANA zone name",
    ),
    Option("KC_DEFAULT_LANGUAGE", "cs", "UI language before a user chooses.", _choice("cs", "en"), "cs, en"),
    Option(
        "KC_TELEPHONY",
        "simulated",
        "PBX connection (engine issue).",
        _choice("simulated", "asterisk", "csta"),
        "simulated, asterisk, csta",
    ),
    Option("KC_PASSWORD_MIN_LENGTH", "12", "Local password policy: minimum length.", _int(8, 128), "8..128"),
    Option("KC_PASSWORD_REQUIRE_DIGIT", "true", "Password must contain a digit.", _bool, "true, false"),
    Option(
        "KC_PASSWORD_REQUIRE_UPPER",
        "true",
        "Password must contain an upper-case letter.",
        _bool,
        "true, false",
    ),
    Option(
        "KC_PASSWORD_REQUIRE_LOWER",
        "true",
        "Password must contain a lower-case letter.",
        _bool,
        "true, false",
    ),
    Option(
        "KC_PASSWORD_REQUIRE_SPECIAL",
        "false",
        "Password must contain a special character.",
        _bool,
        "true, false",
    ),
    Option(
        "KC_PASSWORD_MAX_AGE_DAYS",
        "0",
        "Days before a password must be changed (0: never).",
        _int(0, 3650),
        "0..3650",
    ),
    Option(
        "KC_LOGIN_MAX_FAILURES", "5", "Failed sign-ins before the account is locked.", _int(1, 100), "1..100"
    ),
    Option(
        "KC_LOGIN_LOCK_MINUTES", "15", "How long a locked account stays locked.", _int(1, 1440), "1..1440"
    ),
    Option(
        "KC_LOGIN_SOURCE_MAX_FAILURES",
        "30",
        "Failed sign-ins from one address (IPv6: its /64) within KC_LOGIN_LOCK_MINUTES before it may not "
        "sign in for as long.",
        _int(1, 10000),
        "1..10000",
    ),
    Option(
        "KC_SESSION_IDLE_MINUTES",
        "480",
        "Sign out after this long without a request.",
        _int(5, 1440),
        "5..1440",
    ),
    Option(
        "KC_SESSION_MAX_HOURS",
        "12",
        "Sign out this long after signing in, however busy the session.",
        _int(1, 168),
        "1..168",
    ),
    Option(
        "KC_TRUSTED_PROXIES",
        "0",
        "Reverse proxies in front of `kc web` whose X-Forwarded-For is believed (0: none).",
        _int(0, 5),
        "0..5",
    ),
    Option(
        "KC_AUDIT_RETENTION_DAYS",
        "400",
        "Audit records older than this are purged by the worker.",
        _int(183, 36500),
        "183..36500 (at least six months, SEC-03)",
    ),
    Option(
        "KC_AUDIT_KEY",
        "",
        "Key of the audit log's MACs, kept outside the database; empty: a random key kept in "
        "var/audit.key (back it up apart from the database).",
        _text,
        "any string of 32+ characters",
    ),
    Option(
        "KC_AUDIT_CHECKPOINT_FILE",
        "",
        "File the worker appends the newest audit record's seq and MAC to every hour (put it on "
        "another store); empty: none.",
        _text,
        "empty, or a file path",
    ),
    Option(
        "KC_SECURE_COOKIES",
        "false",
        "Send cookies only over HTTPS (set true behind TLS).",
        _bool,
        "true, false",
    ),
    Option(
        "KC_LOG_LEVEL",
        "INFO",
        "Log level of the stderr log.",
        _choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "DEBUG, INFO, WARNING, ERROR",
    ),
    Option("KC_HOST", "127.0.0.1", "Address `kc web` and `kc demo` listen on.", _text, "an IP address"),
    Option("KC_PORT", "8080", "Port `kc web` and `kc demo` listen on.", _int(1, 65535), "1..65535"),
    Option(
        "KC_RECORDINGS_DIR",
        str(VAR / "recordings"),
        "Where call recordings are kept (a file per recording, by day).",
        _text,
        "a directory",
    ),
    Option(
        "KC_RECORDING_RETENTION_DAYS",
        "190",
        "Recordings older than this are purged by the worker unless on legal hold.",
        _int(183, 3650),
        "183..3650 (at least six months, REC-03)",
    ),
    Option(
        "KC_RECORD_INTERNAL",
        "true",
        "Keep recording a call transferred to an internal number (2-8 digits) (IN-21).",
        _bool,
        "true, false",
    ),
    Option(
        "KC_SMTP_URL",
        "",
        "Mail server for scheduled reports; empty: no mail (the schedules show the error).",
        _smtp_url,
        "empty, smtp://[USER:PASSWORD@]HOST:PORT or smtps://…",
    ),
    Option("KC_MAIL_FROM", "kc@localhost", "Sender of KC's e-mail.", _text, "an e-mail address"),
    Option(
        "KC_ASTERISK_HOST",
        "127.0.0.1",
        "With KC_TELEPHONY=asterisk: the Asterisk host; its ARI (http.conf, ari.conf) must be reachable.",
        _host,
        "a host name or IP address",
    ),
    Option(
        "KC_ASTERISK_ARI_PORT",
        "8088",
        "Asterisk's HTTP port for ARI (http.conf bindport).",
        _int(1, 65535),
        "1..65535",
    ),
    Option(
        "KC_ASTERISK_AMI_PORT",
        "5038",
        "Asterisk's manager port (manager.conf): the presence of phones and lines.",
        _int(1, 65535),
        "1..65535",
    ),
    Option(
        "KC_ASTERISK_USER",
        "kc",
        "KC's ARI user (ari.conf) and manager user (manager.conf).",
        _word,
        "letters, digits, _ and -",
    ),
    Option(
        "KC_ASTERISK_SECRET",
        "",
        "KC's ARI and manager password (ari.conf, manager.conf); required with KC_TELEPHONY=asterisk.",
        _text,
        "any string; `kc asterisk config` proposes one",
    ),
    Option("KC_ASTERISK_APP", "kc", "KC's Stasis application name.", _word, "letters, digits, _ and -"),
    Option(
        "KC_ASTERISK_CONTEXT",
        "kc-in",
        "The dialplan context whose calls Asterisk hands to KC (see `kc asterisk config`).",
        _word,
        "letters, digits, _ and -",
    ),
    Option(
        "KC_ASTERISK_PHONE",
        "PJSIP/{number}",
        "An agent's phone when the account has no endpoint: a dial string with the agent number.",
        _dial_template,
        "a dial string containing {number}",
    ),
    Option(
        "KC_ASTERISK_OUTSIDE",
        "PJSIP/{number}@trunk",
        "How Asterisk dials an outside number (callbacks, manual calls, mobile phones: IN-28).",
        _dial_template,
        "a dial string containing {number}",
    ),
    Option(
        "KC_ASTERISK_AMD",
        "false",
        "Answering-machine detection on the numbers campaigns dial (AMD() in the context kc-dialled; "
        "see `kc asterisk config`); it delays the agent by up to the detection time.",
        _bool,
        "true, false",
    ),
    Option(
        "KC_ASTERISK_TRANSFER_CONTEXT",
        "from-internal",
        "The dialplan context a blind transfer to a number continues in.",
        _word,
        "letters, digits, _ and -",
    ),
    Option(
        "KC_ASTERISK_PROMPTS_DIR",
        "var/prompts",
        "KC's prompts as WAV files; Asterisk must read them under the same path.",
        _text,
        "a directory",
    ),
    Option(
        "KC_ASTERISK_HOME",
        "",
        "The test Asterisk's installation (scripts/asterisk-build.sh, the telephony tests); empty: "
        "~/.cache/kc/asterisk-22.10.1.",
        _text,
        "empty, or a directory outside the repository",
    ),
    Option(
        "KC_ASTERISK_SOURCE",
        "",
        "The Asterisk source tarball the test build uses; empty: the vendored one (docs/asterisk.md).",
        _text,
        "empty, or a path to asterisk-22.10.1.tar.gz",
    ),
    Option(
        "KC_ICIS_URL_TEMPLATE",
        "",
        "Link from the client card into ICIS; empty: no links (CHAT-05, AG-18).",
        _icis_template,
        "empty, or an http(s) URL containing {icis_id} or {identifier}",
    ),
)


@attrs.frozen
class Settings:
    database_url: str
    bus_url: str
    secret_key: str
    timezone: str
    default_language: str
    telephony: str
    password_min_length: int
    password_require_digit: bool
    password_require_upper: bool
    password_require_lower: bool
    password_require_special: bool
    password_max_age_days: int
    login_max_failures: int
    login_lock_minutes: int
    login_source_max_failures: int
    session_idle_minutes: int
    session_max_hours: int
    trusted_proxies: int
    audit_retention_days: int
    audit_key: str
    audit_checkpoint_file: str
    secure_cookies: bool
    log_level: str
    host: str
    port: int
    icis_url_template: str
    smtp_url: str
    recordings_dir: str
    recording_retention_days: int
    record_internal: bool
    mail_from: str
    asterisk_host: str
    asterisk_ari_port: int
    asterisk_ami_port: int
    asterisk_user: str
    asterisk_secret: str
    asterisk_app: str
    asterisk_context: str
    asterisk_phone: str
    asterisk_outside: str
    asterisk_amd: bool
    asterisk_transfer_context: str
    asterisk_prompts_dir: str
    asterisk_home: str
    asterisk_source: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every ``KC_*`` option; collect all problems before failing."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        problems = []
        for option in OPTIONS:
            raw = env.get(option.name, option.default).strip()
            try:
                values[option.name[3:].lower()] = option.parse(raw)
            except ValueError:
                problems.append(f"{option.name}={raw!r} is not valid; allowed: {option.allowed}")
        known = {o.name for o in OPTIONS}
        problems += [
            f"{name} is not a KC setting; known: see docs/configuration.md"
            for name in sorted(env)
            if name.startswith("KC_") and name not in known
        ]
        problems += [
            f"{name} is too short; allowed: any string of 32+ characters"
            for name in SECRETS
            if 0 < len(values.get(name[3:].lower(), "")) < 32
        ]
        if problems:
            raise SettingsError("Invalid configuration:\n  " + "\n  ".join(problems))
        return cls(**values)

    def with_overrides(self, **changes: Any) -> Settings:
        return attrs.evolve(self, **changes)
