"""Small field checks shared by every entity's ``validate()``; they collect, never raise."""

from __future__ import annotations

import re

from kc_domain.errors import FieldError

E164 = re.compile(r"^\+[1-9][0-9]{7,14}\Z")
INTERNAL_NUMBER = re.compile(r"^[0-9]{2,8}\Z")
# a phone's endpoint at the PBX, as its dial string names it: PJSIP/1001, IAX2/desk-12, SIP/2101,
# Local/2101@kc-phones[/n] (Asterisk; /n keeps the Local channel from being optimised away), or the
# device number of a Mitel extension (CSTA: digits)
ENDPOINT = re.compile(
    r"^(?:(?:PJSIP|SIP|IAX2|DAHDI)/[A-Za-z0-9_.+@-]{1,80}"
    r"|Local/[A-Za-z0-9_.+@-]{1,80}(?:/[nj]{1,2})?"
    r"|[0-9]{2,16})\Z"
)


def text(errors: list[FieldError], field: str, value: str, *, max_length: int, required: bool = True) -> None:
    if required and not value.strip():
        errors.append(FieldError(field, "required"))
    elif len(value) > max_length:
        errors.append(FieldError(field, "too_long", {"max": max_length}))


def int_range(errors: list[FieldError], field: str, value: int | None, low: int, high: int) -> None:
    if value is None:
        errors.append(FieldError(field, "required"))
    elif not low <= value <= high:
        errors.append(FieldError(field, "out_of_range", {"min": low, "max": high}))


def phone_number(errors: list[FieldError], field: str, value: str, *, external: bool) -> None:
    """Internal lines are 2-8 digits; external and mobile numbers are E.164 (+420...)."""
    pattern = E164 if external else INTERNAL_NUMBER
    if not pattern.match(value):
        errors.append(FieldError(field, "bad_external_number" if external else "bad_internal_number"))


PROMPT_NAME = re.compile(r"^[a-z0-9_-]{1,64}\Z")  # an uploaded recording's name, never a path


def prompt_name(errors: list[FieldError], field: str, value: str) -> None:
    """An audio prompt's name as the PBX will be told it: lower-case letters, digits, - and _."""
    if value and not PROMPT_NAME.match(value):
        errors.append(FieldError(field, "bad_prompt_name"))
