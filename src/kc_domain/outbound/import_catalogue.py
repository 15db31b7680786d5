"""Stored import structures (OUT-06): each structure the administrator defines kept whole in its JSON
form (``structure_to_plain``) under its unique name. A structure is stored only when
``ImportStructure.problems`` finds nothing wrong with it, so every stored one can read a file.
Audited as ``import_structure.create``, ``.update`` and ``.delete``; a refusal is audited too and
changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import FieldError, NotFound, ValidationFailed
from kc_domain.outbound.import_structure import ColumnMapping, Field, ImportStructure

if TYPE_CHECKING:
    from kc_ports.persistence import OutboundUnit, UnitFactory
    from kc_ports.system import Clock


@attrs.define(slots=False, eq=False)
class StoredStructure:
    """One import structure as stored: ``definition`` is its JSON form."""

    name: str
    definition: dict[str, Any]
    saved_at: datetime | None = None
    saved_by: str = ""
    id: int | None = None

    def structure(self) -> ImportStructure:
        found = ImportStructure.from_plain(self.definition)
        found.id = self.id
        return found


def mapping_to_plain(mapping: ColumnMapping) -> dict[str, Any]:
    found: dict[str, Any] = {"field": mapping.field.value}
    if mapping.index:
        found["index"] = mapping.index
    else:
        found["header"] = mapping.header
    if mapping.field == Field.EXTRA:
        found |= {"key": mapping.key, "kind": mapping.kind.value}
    return found


def structure_to_plain(structure: ImportStructure) -> dict[str, Any]:
    """The JSON form ``ImportStructure.from_plain`` reads back (without the id)."""
    return {
        "name": structure.name,
        "file_type": str(structure.file_type),
        "encoding": str(structure.encoding),
        "delimiter": structure.delimiter,
        "header_row": structure.header_row,
        "sheet": structure.sheet,
        "date_formats": list(structure.date_formats),
        "strict_columns": structure.strict_columns,
        "columns": [mapping_to_plain(m) for m in structure.columns],
    }


TEXTS = ("name", "file_type", "encoding", "delimiter", "sheet")
FLAGS = ("header_row", "strict_columns")


def _shape_problems(data: Mapping[str, Any]) -> list[FieldError]:
    """What ``from_plain`` would stumble over, named by field."""
    errors = [
        FieldError(k, "unexpected_field")
        for k in data
        if k not in (*TEXTS, *FLAGS, "date_formats", "columns", "id")
    ]
    if "name" not in data:
        errors.append(FieldError("name", "required"))
    errors += [
        FieldError(k, "invalid_type", {"expected": "string"})
        for k in TEXTS
        if k in data and not isinstance(data[k], str)
    ]
    errors += [
        FieldError(k, "invalid_type", {"expected": "boolean"})
        for k in FLAGS
        if k in data and not isinstance(data[k], bool)
    ]
    formats = data.get("date_formats", [])
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        errors.append(FieldError("date_formats", "invalid_type", {"expected": "array of strings"}))
    columns = data.get("columns", [])
    if not isinstance(columns, list):
        return [*errors, FieldError("columns", "invalid_type", {"expected": "array"})]
    for position, column in enumerate(columns, start=1):
        if not isinstance(column, dict):
            errors.append(FieldError(f"columns.{position}", "invalid_type", {"expected": "object"}))
            continue
        errors += _column_shape(column, f"columns.{position}")
    return errors


COLUMN_KEYS = ("field", "header", "index", "column", "key", "kind")


def _column_shape(column: Mapping[str, Any], prefix: str) -> list[FieldError]:
    errors = [FieldError(f"{prefix}.{k}", "unexpected_field") for k in column if k not in COLUMN_KEYS]
    if column.get("field") not in {f.value for f in Field}:
        errors.append(FieldError(f"{prefix}.field", "invalid_choice"))
    if column.get("kind", "text") not in ("text", "date"):
        errors.append(FieldError(f"{prefix}.kind", "invalid_choice"))
    for name in ("header", "key"):
        if not isinstance(column.get(name, ""), str):
            errors.append(FieldError(f"{prefix}.{name}", "invalid_type", {"expected": "string"}))
    place = column.get("column", column.get("index", 0))
    if isinstance(place, bool) or not isinstance(place, int | str):
        errors.append(FieldError(f"{prefix}.index", "invalid_type", {"expected": "column"}))
    elif isinstance(place, int) and not 0 <= place < 2**31:
        errors.append(FieldError(f"{prefix}.index", "out_of_range", {"min": 1, "max": 16_384}))
    return errors


def checked_structure(definition: object) -> ImportStructure:
    """The structure whose JSON form is ``definition``; ``ValidationFailed`` naming every problem of
    its shape or, when the shape is right, of its content (``ImportStructure.problems``)."""
    if not isinstance(definition, dict):
        raise ValidationFailed.one("structure", "invalid_type", expected="object")
    errors = _shape_problems(definition)
    if errors:
        raise ValidationFailed(errors)
    try:
        structure = ImportStructure.from_plain(definition)
    except (KeyError, ValueError, TypeError) as error:
        raise ValidationFailed.one("columns", "invalid_choice", reason=type(error).__name__) from error
    errors = structure.problems()
    if errors:
        raise ValidationFailed(errors)
    return structure


class ImportCatalogue:
    def __init__(self, uow_factory: UnitFactory[OutboundUnit], clock: Clock, audit: AuditTrail) -> None:
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit

    def structures(self) -> list[StoredStructure]:
        """Every stored structure, by name."""
        with self._uow_factory() as uow:
            return sorted(uow.import_structures.list(), key=lambda s: (s.name.casefold(), s.id or 0))

    def get(self, structure_id: int) -> StoredStructure:
        with self._uow_factory() as uow:
            return _stored(uow, structure_id)

    def create(self, actor: Actor, definition: object) -> StoredStructure:
        def change(uow: OutboundUnit) -> tuple[StoredStructure, dict[str, Any]]:
            structure = checked_structure(definition)
            _unique_name(uow, structure.name, None)
            plain = structure_to_plain(structure)
            stored = StoredStructure(structure.name, plain, self._clock.now(), actor.name)
            uow.import_structures.add(stored)
            return stored, plain

        return self._audit.run(
            self._uow_factory, actor, "import_structure.create", "import_structure", None, change
        )

    def update(self, actor: Actor, structure_id: int, definition: object) -> StoredStructure:
        def change(uow: OutboundUnit) -> tuple[StoredStructure, dict[str, Any]]:
            stored = _stored(uow, structure_id)
            structure = checked_structure(definition)
            _unique_name(uow, structure.name, structure_id)
            stored.name, stored.definition = structure.name, structure_to_plain(structure)
            stored.saved_at, stored.saved_by = self._clock.now(), actor.name
            return stored, stored.definition

        return self._audit.run(
            self._uow_factory, actor, "import_structure.update", "import_structure", structure_id, change
        )

    def delete(self, actor: Actor, structure_id: int) -> None:
        def change(uow: OutboundUnit) -> tuple[None, dict[str, Any]]:
            stored = _stored(uow, structure_id)
            uow.import_structures.delete(stored)
            return None, {"name": stored.name}

        self._audit.run(
            self._uow_factory, actor, "import_structure.delete", "import_structure", structure_id, change
        )


def _stored(uow: OutboundUnit, structure_id: int) -> StoredStructure:
    found = uow.import_structures.get(structure_id)
    if found is None:
        raise NotFound("import_structure", structure_id)
    return found


def _unique_name(uow: OutboundUnit, name: str, structure_id: int | None) -> None:
    if any(s.name == name and s.id != structure_id for s in uow.import_structures.list()):
        raise ValidationFailed([FieldError("name", "duplicate", {"value": name})])
