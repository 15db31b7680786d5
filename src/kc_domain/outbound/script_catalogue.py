"""Stored call scripts (OUT-15): each script kept whole in its JSON form (``script_to_plain``) under
its name, with a version counted up at every save; a campaign names the script its agents run
(``Campaign.script_id``), and several campaigns may share one.

A script is stored only when ``script_checks.problems`` finds nothing wrong with it (no question
the start does not lead to, no loop that never reaches an end...), so every stored script can be
run. A save names the version it was based on: when someone else saved in between, it is refused
(``Conflict``) and nothing is overwritten. Audited as ``call_script.create`` and
``call_script.update``; a refusal is audited too and changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from kc_domain.outbound.script_checks import problems
from kc_domain.outbound.script_plain import script_from_plain, script_to_plain
from kc_domain.outbound.scripts import CallScript

if TYPE_CHECKING:
    from kc_ports.persistence import OutboundUnit, UnitFactory
    from kc_ports.system import Clock


@attrs.define(slots=False, eq=False)
class StoredScript:
    """One call script as stored: ``definition`` is its JSON form, ``version`` counts its saves."""

    name: str
    definition: dict[str, Any]
    version: int = 1
    saved_at: datetime | None = None
    saved_by: str = ""
    id: int | None = None

    def script(self) -> CallScript:
        return script_from_plain(self.definition)


def checked_script(definition: object) -> CallScript:
    """The script whose JSON form is ``definition``; ``ValidationFailed`` naming every problem of
    its shape (``script_from_plain``) or, when the shape is right, of its content (``problems``)."""
    script = script_from_plain(definition)
    errors = problems(script)
    if errors:
        raise ValidationFailed(errors)
    return script


class ScriptCatalogue:
    def __init__(self, uow_factory: UnitFactory[OutboundUnit], clock: Clock, audit: AuditTrail) -> None:
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit

    # -- reading ---------------------------------------------------------------------------------
    def scripts(self) -> list[StoredScript]:
        """Every stored script, by name."""
        with self._uow_factory() as uow:
            return sorted(uow.call_scripts.list(), key=lambda s: (s.name.casefold(), s.id or 0))

    def get(self, script_id: int) -> StoredScript:
        with self._uow_factory() as uow:
            return _stored(uow, script_id)

    def used_by(self, script_id: int) -> list[str]:
        """The names of the campaigns that run the script."""
        with self._uow_factory() as uow:
            return sorted(c.name for c in uow.campaigns.list() if c.script_id == script_id)

    # -- writing ---------------------------------------------------------------------------------
    def create(self, actor: Actor, definition: object) -> StoredScript:
        def change(uow: OutboundUnit) -> tuple[StoredScript, dict[str, Any]]:
            script = checked_script(definition)
            _unique_name(uow, script.name, None)
            stored = StoredScript(script.name, script_to_plain(script), 1, self._clock.now(), actor.name)
            uow.call_scripts.add(stored)
            return stored, _summary(script, stored)

        return self._audit.run(self._uow_factory, actor, "call_script.create", "call_script", None, change)

    def update(
        self, actor: Actor, script_id: int, definition: object, version: int | None = None
    ) -> StoredScript:
        """Replace the script with ``definition``; ``version``: the version the change was made
        to, refused with ``Conflict`` when the stored one is newer (None: no such check)."""

        def change(uow: OutboundUnit) -> tuple[StoredScript, dict[str, Any]]:
            stored = _stored(uow, script_id)
            if version is not None and version != stored.version:
                raise Conflict(f"call script {script_id}: version {version} is not {stored.version}")
            script = checked_script(definition)
            _unique_name(uow, script.name, script_id)
            stored.name, stored.definition = script.name, script_to_plain(script)
            stored.version += 1
            stored.saved_at, stored.saved_by = self._clock.now(), actor.name
            return stored, _summary(script, stored)

        return self._audit.run(
            self._uow_factory, actor, "call_script.update", "call_script", script_id, change
        )


def _stored(uow: OutboundUnit, script_id: int) -> StoredScript:
    found = uow.call_scripts.get(script_id)
    if found is None:
        raise NotFound("call_script", script_id)
    return found


def _unique_name(uow: OutboundUnit, name: str, script_id: int | None) -> None:
    if any(s.name == name and s.id != script_id for s in uow.call_scripts.list()):
        raise ValidationFailed([FieldError("name", "duplicate", {"value": name})])


def _summary(script: CallScript, stored: StoredScript) -> dict[str, Any]:
    return {
        "name": stored.name,
        "version": stored.version,
        "questions": len(script.questions),
        "ends": len(script.ends),
    }
