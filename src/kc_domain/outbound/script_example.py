"""A call script to start from (OUT-15), in its JSON form as a supervisor writes it (optional fields
left out): the new-script page offers it, the tests build on it. It is valid
(``script_checks.problems`` finds nothing) and shows each kind of question: a choice with a branch
per answer, a number with a range branch, a date, and two ends."""

from __future__ import annotations

import copy
from typing import Any

_PREVENTION: dict[str, Any] = {
    "name": "Prevence 2026",
    "start": "zajem",
    "questions": [
        {"id": "zajem", "text": "Máte zájem o preventivní prohlídku zdarma?", "type": "choice",
         "choices": [{"key": "ano", "label": "Ano"}, {"key": "ne", "label": "Ne"}],
         "branches": [{"choice": "ano", "next": "vek"}, {"choice": "ne", "next": "odmitl"}]},
        {"id": "vek", "text": "Kolik je vám let?", "type": "number", "min": 18, "max": 120, "integer": True,
         "branches": [{"low": 50, "next": "termin"}], "next": "termin"},
        {"id": "termin", "text": "Který den vám vyhovuje?", "type": "date", "next": "objednan"},
    ],
    "ends": [
        {"id": "objednan", "label": "Objednán", "outcome": "success"},
        {"id": "odmitl", "label": "Nemá zájem", "outcome": "refused"},
    ],
}  # fmt: skip


def example_script(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the example, with ``changes`` to its top-level fields (``name=...``)."""
    return {**copy.deepcopy(_PREVENTION), **changes}
