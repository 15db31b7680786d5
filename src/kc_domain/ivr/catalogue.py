"""Stored IVR trees: numbered versions per tree name, one active version each, and the dialled numbers
(DIDs) that start them (IN-06, IN-24, ADM-11). Every change is validated whole and audited."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import FieldError, NotFound, ValidationFailed
from kc_domain.ivr.model import IvrTree, tree_from_plain, tree_to_plain
from kc_domain.ivr.validation import problems
from kc_domain.validation import phone_number, text

if TYPE_CHECKING:
    from kc_ports.persistence import IvrSetupUnit, UnitFactory
    from kc_ports.system import Clock

E = TypeVar("E")

NAME_MAX = 80
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


@attrs.define(slots=False, eq=False)
class IvrTreeVersion:
    """One saved version of tree ``name``; ``definition`` is the plain tree (``tree_to_plain``)."""

    name: str
    version: int
    definition: dict[str, Any]
    created_at: datetime
    created_by: str = ""
    active: bool = False
    id: int | None = None

    def tree(self) -> IvrTree:
        return tree_from_plain({**self.definition, "name": self.name, "version": self.version})


@attrs.define(slots=False, eq=False)
class IvrNumber:
    """A dialled number (E.164 or internal) answered by the active version of tree ``tree_name``."""

    number: str
    tree_name: str
    id: int | None = None


def number_problems(number: str) -> list[FieldError]:
    errors: list[FieldError] = []
    phone_number(errors, "number", number, external=number.startswith("+"))
    return errors


def _name_problems(name: str) -> list[FieldError]:
    errors: list[FieldError] = []
    text(errors, "name", name, max_length=NAME_MAX)
    if not errors and not set(name) <= NAME_CHARS:
        errors.append(FieldError("name", "bad_tree_name"))
    return errors


class IvrCatalogue:
    def __init__(self, uow_factory: UnitFactory[IvrSetupUnit], clock: Clock, audit: AuditTrail) -> None:
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit

    # -- reading -------------------------------------------------------------------------------
    def names(self) -> list[str]:
        with self._uow_factory() as uow:
            return sorted({v.name for v in uow.ivr_trees.list()})

    def versions(self, name: str) -> list[IvrTreeVersion]:
        with self._uow_factory() as uow:
            return _versions(uow, name)

    def active(self, name: str) -> IvrTreeVersion | None:
        return next((v for v in self.versions(name) if v.active), None)

    def get(self, name: str, version: int) -> IvrTreeVersion:
        found = next((v for v in self.versions(name) if v.version == version), None)
        if found is None:
            raise NotFound("ivr_tree", f"{name} v{version}")
        return found

    def export(self, name: str, version: int) -> dict[str, Any]:
        found = self.get(name, version)
        return {**copy.deepcopy(found.definition), "name": found.name, "version": found.version}

    def numbers(self) -> list[IvrNumber]:
        with self._uow_factory() as uow:
            return sorted(uow.ivr_numbers.list(), key=lambda n: n.number)

    def tree_for_number(self, number: str) -> IvrTree | None:
        """The active tree answering ``number``, or None (not mapped, or no version active)."""
        with self._uow_factory() as uow:
            mapped = _number(uow, number)
            if mapped is None:
                return None
            active = next((v for v in _versions(uow, mapped.tree_name) if v.active), None)
        return active.tree() if active else None

    # -- writing -------------------------------------------------------------------------------
    def save(self, actor: Actor, plain_definition: object) -> IvrTreeVersion:
        """Store a valid tree as the next (inactive) version of its name."""
        raw_name = plain_definition.get("name") if isinstance(plain_definition, dict) else None
        name = raw_name if isinstance(raw_name, str) else ""

        def change(uow: IvrSetupUnit) -> tuple[IvrTreeVersion, dict[str, Any]]:
            tree = tree_from_plain(plain_definition)
            errors = _name_problems(tree.name)
            existing = _versions(uow, tree.name)
            number = max((v.version for v in existing), default=0) + 1
            tree = attrs.evolve(tree, version=number)
            errors += problems(tree, _tree_names(uow) | {tree.name}, _queue_ids(uow))
            if errors:
                raise ValidationFailed(errors)
            stored = IvrTreeVersion(
                name=tree.name,
                version=number,
                definition=tree_to_plain(tree),
                created_at=self._clock.now(),
                created_by=actor.name,
            )
            uow.ivr_trees.add(stored)
            return stored, {"name": tree.name, "version": number, "nodes": len(tree.nodes)}

        return self._run(actor, "ivr.save", name, change)

    def activate(self, actor: Actor, name: str, version: int) -> IvrTreeVersion:
        """Make ``version`` the only active version of ``name``, if it still validates."""

        def change(uow: IvrSetupUnit) -> tuple[IvrTreeVersion, dict[str, Any]]:
            versions = _versions(uow, name)
            target = next((v for v in versions if v.version == version), None)
            if target is None:
                raise NotFound("ivr_tree", f"{name} v{version}")
            errors = problems(target.tree(), _tree_names(uow), _queue_ids(uow))
            if errors:
                raise ValidationFailed(errors)
            previous = next((v.version for v in versions if v.active), None)
            for other in versions:
                other.active = other is target
            return target, {"name": name, "version": version, "previous": previous}

        return self._run(actor, "ivr.activate", name, change)

    def assign_number(self, actor: Actor, number: str, tree_name: str) -> IvrNumber:
        """Map ``number`` to ``tree_name``; a number already mapped elsewhere is moved."""

        def change(uow: IvrSetupUnit) -> tuple[IvrNumber, dict[str, Any]]:
            errors = number_problems(number)
            if tree_name not in _tree_names(uow):
                errors.append(FieldError("tree_name", "unknown_tree", {"tree": tree_name}))
            if errors:
                raise ValidationFailed(errors)
            mapped = _number(uow, number)
            before = mapped.tree_name if mapped else None
            if mapped is None:
                mapped = uow.ivr_numbers.add(IvrNumber(number, tree_name))
            else:
                mapped.tree_name = tree_name
            return mapped, {"number": number, "before": before, "after": tree_name}

        return self._run(actor, "ivr.number.assign", number, change)

    def unassign_number(self, actor: Actor, number: str) -> None:
        def change(uow: IvrSetupUnit) -> tuple[IvrNumber, dict[str, Any]]:
            mapped = _number(uow, number)
            if mapped is None:
                raise NotFound("ivr_number", number)
            uow.ivr_numbers.delete(mapped)
            return mapped, {"number": number, "before": mapped.tree_name}

        self._run(actor, "ivr.number.unassign", number, change)

    # -- internals -----------------------------------------------------------------------------
    def _run(
        self,
        actor: Actor,
        action: str,
        object_id: str,
        change: Callable[[IvrSetupUnit], tuple[E, dict[str, Any]]],
    ) -> E:
        return self._audit.run(self._uow_factory, actor, action, "ivr", object_id, change)


def _versions(uow: IvrSetupUnit, name: str) -> list[IvrTreeVersion]:
    return sorted((v for v in uow.ivr_trees.list() if v.name == name), key=lambda v: v.version)


def _tree_names(uow: IvrSetupUnit) -> set[str]:
    return {v.name for v in uow.ivr_trees.list()}


def _queue_ids(uow: IvrSetupUnit) -> set[int]:
    return {q.id for q in uow.queues.list() if q.id is not None}


def _number(uow: IvrSetupUnit, number: str) -> IvrNumber | None:
    return next((n for n in uow.ivr_numbers.list() if n.number == number), None)
