"""The contact record of a call and the versions of its note: pure rules, no storage.

A note is written while the call is live or in wrap-up as one open draft that every autosave
overwrites (each autosave is stored at once, so nothing typed is lost). Finishing the note, or the
first save after the wrap-up ended, seals it as version 1; every later amendment is a new sealed
version with its author and time, and the earlier versions stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

import attrs

from kc_domain.errors import ValidationFailed
from kc_domain.organisation.model import CallCategory, CategoryKind

NOTE_MAX = 4000


class CallPhase(StrEnum):
    """Where the call is, as far as its note is concerned."""

    LIVE = "live"
    WRAP_UP = "wrap_up"
    FINISHED = "finished"


@attrs.define(slots=False, eq=False)
class ContactRecord:
    """What the agent recorded about one call, besides the note."""

    call_id: str
    agent_id: int | None = None  # who handled the call (the journal's agent)
    client_id: int | None = None  # the identified client
    category_id: int | None = None
    recording_opt_out: bool = False  # REC-01: the agent asked that the call not be recorded
    updated_at: datetime | None = None
    version: int = 0  # one more with every stored change


@attrs.define(slots=False, eq=False)
class NoteVersion:
    call_id: str
    number: int
    text: str
    author_id: int | None
    author_name: str
    at: datetime
    draft: bool = False


def category_refusal(category: CallCategory | None) -> str | None:
    """Why a call cannot be given this category (AG-13), as an error code, or None when it can: an
    active category of the kind "call" (products are not reasons for a call). The one rule for what
    the desktop offers and what the server accepts."""
    if category is None or category.kind != CategoryKind.CALL:
        return "unknown_reference"
    if not category.active:
        return "category_inactive"
    return None


def clean_note(text: object, *, allow_empty: bool) -> str:
    """The note text, stripped; raises ValidationFailed on the field ``note``."""
    if not isinstance(text, str):
        raise ValidationFailed.one("note", "invalid_type", expected="text")
    cleaned = text.strip()
    if len(cleaned) > NOTE_MAX:
        raise ValidationFailed.one("note", "too_long", max=NOTE_MAX)
    if not cleaned and not allow_empty:
        raise ValidationFailed.one("note", "required")
    return cleaned


def latest(versions: Sequence[NoteVersion]) -> NoteVersion | None:
    return max(versions, key=lambda v: v.number, default=None)


def write_note(
    call_id: str,
    versions: Sequence[NoteVersion],
    text: object,
    *,
    phase: CallPhase,
    final: bool,
    amend: bool,
    author_id: int | None,
    author_name: str,
    at: datetime,
) -> NoteVersion:
    """The version to store for a save (``amend=False``) or an amendment (``amend=True``).

    It is either the open draft, changed in place (its number kept), or a new version. Empty text
    only clears an open draft. A plain save once the note is sealed is refused (``note_sealed``):
    later changes are amendments, so that no sealed version is ever overwritten.
    """
    current = latest(versions)
    open_draft = current if current is not None and current.draft else None
    seal = amend or final or phase == CallPhase.FINISHED
    cleaned = clean_note(text, allow_empty=not seal and (open_draft is not None or current is None))
    if not amend and current is not None and not current.draft:
        if cleaned == current.text:
            return current  # a repeated save of the sealed text changes nothing
        raise ValidationFailed.one("note", "note_sealed", number=current.number)
    number = open_draft.number if open_draft else (current.number + 1 if current else 1)
    return NoteVersion(
        call_id=call_id,
        number=number,
        text=cleaned,
        author_id=author_id,
        author_name=author_name,
        at=at,
        draft=not seal,
    )
