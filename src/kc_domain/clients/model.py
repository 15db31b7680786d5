"""The customer database (CDB-02, CDB-03, IN-11): clients, the fields an administrator defines for
their card, phone numbers in E.164, the accent-insensitive search key and the link into ICIS."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from urllib.parse import quote

import attrs

from kc_domain.errors import FieldError
from kc_domain.ivr.validation import is_valid_ico, is_valid_insurance_number
from kc_domain.validation import E164, int_range, text

FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")
ICIS_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}\Z")
NUMBER = re.compile(r"^-?[0-9]+([.,][0-9]+)?\Z")
TRUE_WORDS = frozenset({"true", "1", "yes", "on", "ano"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "ne", ""})
LABEL_MAX = 80
CHOICE_MAX = 80
CHOICES_MAX = 50
TEXT_MAX = 200
LONGTEXT_MAX = 4000
PHONES_MAX = 10


class FieldType(StrEnum):
    TEXT = "text"
    LONGTEXT = "longtext"
    DATE = "date"
    EMAIL = "email"
    PHONE = "phone"
    NUMBER = "number"
    CHOICE = "choice"
    BOOL = "bool"


class ClientKind(StrEnum):
    INSURED = "insured"
    EMPLOYER = "employer"
    SELF_EMPLOYED = "self_employed"
    PROVIDER = "provider"


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _phones(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _values(values: dict[str, str]) -> dict[str, str]:
    return dict(values)


def normalise_phone(raw: str) -> str | None:
    """A Czech or international number as E.164 (``+420603123456``), or None when it is not one.

    ``+420 603 123 456``, ``603123456``, ``00420603123456`` and ``420603123456`` are the same number.
    """
    digits = re.sub(r"[\s\-./()]", "", raw or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif not digits.startswith("+"):
        if len(digits) == 9:
            digits = "+420" + digits
        elif len(digits) == 12 and digits.startswith("420"):
            digits = "+" + digits
    return digits if E164.match(digits) else None


def fold(value: str) -> str:
    """Lower case without accents (``Dvořáková`` -> ``dvorakova``): how names are searched."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_terms(query: str) -> list[str]:
    """The folded words of a search; digits split by a slash or spaces (``800101/1234``) are joined."""
    joined = re.sub(r"(?<=\d)[/ ](?=\d)", "", query.strip())
    return [t for t in fold(joined).split() if t]


@attrs.define(slots=False, eq=False)
class ClientField:
    """One configurable field of the client card (CDB-03), defined by the administrator."""

    key: str
    label: str
    type: FieldType = FieldType.TEXT
    choices: tuple[str, ...] = attrs.field(factory=tuple, converter=_strings)
    position: int = 0
    required: bool = False
    active: bool = True
    show_in_list: bool = False
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if not FIELD_KEY.match(self.key or ""):
            errors.append(FieldError("key", "bad_field_key"))
        text(errors, "label", self.label, max_length=LABEL_MAX)
        try:
            kind = FieldType(self.type)
        except ValueError:
            errors.append(FieldError("type", "invalid_choice"))
            return errors
        int_range(errors, "position", self.position, 0, 9999)
        if kind == FieldType.CHOICE:
            errors += _choice_problems(self.choices)
        elif self.choices:
            errors.append(FieldError("choices", "must_be_empty"))
        return errors

    def clean(self, raw: object) -> tuple[str, FieldError | None]:
        """The value as stored (trimmed, normalised), and the problem with it if any."""
        name = f"values.{self.key}"
        if raw is None:
            raw = ""
        if not isinstance(raw, (str, bool, int, float)):
            return "", FieldError(name, "invalid_type", {"expected": "text"})
        value = _as_text(raw).strip()
        if not value:
            if self.type == FieldType.BOOL:
                return "false", (FieldError(name, "required") if self.required else None)
            return "", (FieldError(name, "required") if self.required else None)
        cleaned, code = _clean(FieldType(self.type), value, self.choices)
        if code is None and self.type == FieldType.BOOL and self.required and cleaned != "true":
            code = "required"  # a required tick box (a consent) must be ticked
        if code is None:
            return cleaned, None
        params: dict[str, object] = {"max": _max(self.type)} if code == "too_long" else {"value": value}
        return value, FieldError(name, code, params)


def _as_text(raw: str | bool | int | float) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _max(kind: FieldType) -> int:
    return LONGTEXT_MAX if kind == FieldType.LONGTEXT else TEXT_MAX


def _clean(kind: FieldType, value: str, choices: tuple[str, ...]) -> tuple[str, str | None]:
    if len(value) > _max(kind):
        return value, "too_long"
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return value, "bad_date"
    if kind == FieldType.EMAIL:
        return value, None if is_email(value) else "bad_email"
    if kind == FieldType.PHONE:
        number = normalise_phone(value)
        return (number, None) if number else (value, "bad_external_number")
    if kind == FieldType.NUMBER:
        return value.replace(",", "."), None if NUMBER.match(value) else "bad_number"
    if kind == FieldType.CHOICE:
        return value, None if value in choices else "invalid_choice"
    if kind == FieldType.BOOL:
        lowered = value.casefold()
        if lowered in TRUE_WORDS | FALSE_WORDS:
            return ("true" if lowered in TRUE_WORDS else "false"), None
        return value, "invalid_choice"
    return value, None


def _choice_problems(choices: tuple[str, ...]) -> list[FieldError]:
    if not choices:
        return [FieldError("choices", "empty")]
    errors: list[FieldError] = []
    if len(choices) > CHOICES_MAX:
        errors.append(FieldError("choices", "out_of_range", {"min": 1, "max": CHOICES_MAX}))
    seen: set[str] = set()
    for choice in choices:
        if not choice.strip() or len(choice) > CHOICE_MAX:
            errors.append(FieldError("choices", "too_long", {"max": CHOICE_MAX}))
        elif choice in seen:
            errors.append(FieldError("choices", "duplicate", {"value": choice}))
        seen.add(choice)
    return errors


def is_email(value: str) -> bool:
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain and not re.search(r"\s", value) and "@" not in domain


BASE_LIMITS = {"first_name": 60, "surname": 80, "title": 40, "company": 120, "email": 254}


@attrs.define(slots=False, eq=False)
class Client:
    """A person or organisation in the customer database; ICIS is the system of record.

    ``identifier`` is the insurance number (rodné číslo, without the slash) of a person or the IČO
    of an employer or provider; ``icis_id`` is empty for someone ICIS does not know (yet).
    ``values`` holds the configurable fields by key, only the non-empty ones.
    """

    kind: ClientKind = ClientKind.INSURED
    identifier: str = ""
    icis_id: str = ""
    first_name: str = ""
    surname: str = ""
    title: str = ""
    company: str = ""
    phones: frozenset[str] = attrs.field(factory=frozenset, converter=_phones)
    email: str = ""
    values: dict[str, str] = attrs.field(factory=dict, converter=_values)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0
    id: int | None = None

    @property
    def name(self) -> str:
        """How agents see the client: the person's name with title, else the company."""
        person = " ".join(p for p in (self.title, self.first_name, self.surname) if p)
        return person or self.company

    def search_key(self) -> str:
        """Folded words that ``search`` matches: names, company, identifier, ICIS id, phones."""
        parts = [self.surname, self.first_name, self.company, self.identifier, self.icis_id]
        parts += [p.lstrip("+") for p in sorted(self.phones)]
        return " ".join(fold(p) for p in parts if p)

    def problems(self) -> list[FieldError]:
        """The base fields' problems (the configurable values are checked against their fields)."""
        errors: list[FieldError] = []
        try:
            kind = ClientKind(self.kind)
        except ValueError:
            errors.append(FieldError("kind", "invalid_choice"))
            kind = ClientKind.INSURED
        for name, limit in BASE_LIMITS.items():
            text(errors, name, getattr(self, name), max_length=limit, required=False)
        if kind in (ClientKind.EMPLOYER, ClientKind.PROVIDER):
            text(errors, "company", self.company, max_length=BASE_LIMITS["company"])
        else:
            text(errors, "surname", self.surname, max_length=BASE_LIMITS["surname"])
        if self.identifier and not _identifier_valid(kind, self.identifier):
            code = "bad_ico" if kind in (ClientKind.EMPLOYER, ClientKind.PROVIDER) else "bad_insurance_number"
            errors.append(FieldError("identifier", code, {"value": self.identifier}))
        if self.icis_id and not ICIS_ID.match(self.icis_id):
            errors.append(FieldError("icis_id", "bad_icis_id", {"value": self.icis_id}))
        if self.email and not is_email(self.email):
            errors.append(FieldError("email", "bad_email"))
        if len(self.phones) > PHONES_MAX:
            errors.append(FieldError("phones", "out_of_range", {"min": 0, "max": PHONES_MAX}))
        errors += [
            FieldError("phones", "bad_external_number", {"value": p})
            for p in sorted(self.phones)
            if not E164.match(p)
        ]
        return errors


def normalise_identifier(raw: str) -> str:
    """``800101/1234`` and ``800101 1234`` as ``8001011234``."""
    return re.sub(r"[\s/]", "", raw or "")


def _identifier_valid(kind: ClientKind, identifier: str) -> bool:
    if kind in (ClientKind.EMPLOYER, ClientKind.PROVIDER):
        return is_valid_ico(identifier)
    if kind == ClientKind.SELF_EMPLOYED:
        return is_valid_insurance_number(identifier) or is_valid_ico(identifier)
    return is_valid_insurance_number(identifier)


def icis_link(template: str, client: Client) -> str | None:
    """The address of the client's record in ICIS (CHAT-05, AG-18), or None when the client has no
    ICIS record or no template is configured. ``{icis_id}`` and ``{identifier}`` are URL-quoted."""
    if not template or not client.icis_id:
        return None
    return template.replace("{icis_id}", quote(client.icis_id, safe="")).replace(
        "{identifier}", quote(client.identifier, safe="")
    )


def masked(identifier: str) -> str:
    """Personal data in lists: all but the last four characters hidden."""
    return "•" * max(len(identifier) - 4, 0) + identifier[-4:]
