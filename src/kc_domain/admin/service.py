"""Create, change and delete configured objects: validated whole, saved whole, audited always."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.admin.kinds import KINDS, Kind
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import FieldError, InUse, NotFound, ValidationFailed
from kc_domain.identity.password import PasswordPolicy
from kc_domain.identity.roles import Role
from kc_domain.plain import to_plain

if TYPE_CHECKING:
    from kc_ports.persistence import AdministrationUnit, Repository, UnitFactory
    from kc_ports.system import Clock, PasswordHasher


def _key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class AdminService:
    def __init__(
        self,
        uow_factory: UnitFactory[AdministrationUnit],
        clock: Clock,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        audit: AuditTrail,
    ) -> None:
        self._uow_factory, self._clock, self._hasher = uow_factory, clock, hasher
        self._policy, self._audit = policy, audit

    # -- reading -------------------------------------------------------------------------------
    def list(self, kind: str) -> list[Any]:
        with self._uow_factory() as uow:
            return _repo(uow, KINDS[kind]).list()

    def get(self, kind: str, entity_id: int) -> Any:
        with self._uow_factory() as uow:
            return _get(uow, KINDS[kind], entity_id)

    def plain(self, kind: str, entity: Any) -> dict[str, Any]:
        """The entity as JSON-safe data without secrets (API responses, audit before/after)."""
        data: dict[str, Any] = to_plain(entity, omit=KINDS[kind].secret_fields)
        return data

    # -- writing -------------------------------------------------------------------------------
    def create(
        self,
        actor: Actor,
        kind: str,
        values: Mapping[str, Any],
        password: str | None = None,
        unreadable: Iterable[FieldError] = (),
    ) -> Any:
        """A new object from ``values``. ``unreadable``: what could not be read from the input (the
        fields it names are left out of ``values``); it is reported together with every other
        problem, so that a form learns all of them at once."""
        spec = KINDS[kind]
        unread = tuple(unreadable)

        def change(uow: AdministrationUnit) -> tuple[Any, dict[str, Any]]:
            _check_fields(spec, values, creating=True, unreadable=unread)
            entity = spec.cls(**values)
            extra = self._set_password(entity, password, required=True) if spec.name == "user" else []
            self._check(uow, spec, entity, extra, unread)
            _repo(uow, spec).add(entity)
            return entity, {"after": self.plain(kind, entity)}

        return self._run(actor, spec, "create", None, change)

    def update(
        self,
        actor: Actor,
        kind: str,
        entity_id: int,
        values: Mapping[str, Any],
        password: str | None = None,
        unreadable: Iterable[FieldError] = (),
    ) -> Any:
        """Change an object; ``unreadable`` as in ``create`` (the fields it names keep their values)."""
        spec = KINDS[kind]
        unread = tuple(unreadable)

        def change(uow: AdministrationUnit) -> tuple[Any, dict[str, Any]]:
            _check_fields(spec, values, creating=False, unreadable=unread)
            entity = _get(uow, spec, entity_id)
            before = self.plain(kind, entity)
            candidate = attrs.evolve(entity, **values)
            acting_id = self._acting_user_id(uow, actor) if spec.name == "user" else None
            if acting_id is not None and candidate.id == acting_id and not candidate.active:
                raise ValidationFailed.one("active", "cannot_deactivate_self")
            extra = self._set_password(candidate, password, required=False) if spec.name == "user" else []
            if spec.name == "user" and ((password and not extra) or (entity.active and not candidate.active)):
                candidate.end_sessions()  # a new password or a deactivation: sessions begun so far end
            self._check(uow, spec, candidate, extra, unread)
            for field in attrs.fields(spec.cls):
                setattr(entity, field.name, getattr(candidate, field.name))
            after = self.plain(kind, entity)
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            if password:
                changed["password"] = "***"
            return entity, {"before": {k: before.get(k) for k in changed}, "after": changed}

        return self._run(actor, spec, "update", entity_id, change)

    def delete(self, actor: Actor, kind: str, entity_id: int) -> None:
        spec = KINDS[kind]

        def change(uow: AdministrationUnit) -> tuple[Any, dict[str, Any]]:
            entity = _get(uow, spec, entity_id)
            if spec.name == "user" and entity.id == self._acting_user_id(uow, actor):
                raise ValidationFailed.one("id", "cannot_delete_self")
            users = _users_using(uow, spec, entity_id)
            if users:
                raise InUse(spec.name, spec.label(entity), users)
            before = self.plain(kind, entity)
            _repo(uow, spec).delete(entity)
            if spec.name == "user":
                _ensure_an_admin_remains([u for u in uow.users.list() if u.id != entity_id])
            return entity, {"before": before}

        self._run(actor, spec, "delete", entity_id, change)

    # -- internals -----------------------------------------------------------------------------
    def _run(
        self,
        actor: Actor,
        spec: Kind,
        verb: str,
        entity_id: int | None,
        change: Callable[[AdministrationUnit], tuple[Any, dict[str, Any]]],
    ) -> Any:
        return self._audit.run(self._uow_factory, actor, f"{spec.name}.{verb}", spec.name, entity_id, change)

    def _check(
        self,
        uow: AdministrationUnit,
        spec: Kind,
        entity: Any,
        extra: builtins.list[FieldError],
        unreadable: tuple[FieldError, ...] = (),
    ) -> None:
        """Every problem at once: what could not be read, missing references, the entity's own,
        references, uniqueness, tree cycles, ``extra``. A field that could not be read kept its
        default or old value, so the checks of that value are not reported for it."""
        found: list[FieldError] = _missing(spec, entity) + entity.problems()
        found += _reference_problems(uow, spec, entity)
        found += _uniqueness_problems(uow, spec, entity)
        if spec.name == "category":
            found += _category_cycle(uow, entity)
        skipped = {e.field.split(".")[0] for e in unreadable}  # criteria.1.label: the whole criteria
        errors = [*unreadable, *(e for e in found if e.field.split(".")[0] not in skipped), *extra]
        if errors:
            raise ValidationFailed(errors)
        if spec.name == "user":
            _ensure_an_admin_remains([u for u in uow.users.list() if u.id != entity.id] + [entity])

    def _set_password(self, user: Any, password: str | None, *, required: bool) -> builtins.list[FieldError]:
        """Hash a new password into ``user``; the policy's objections are returned, not raised."""
        if not password:
            return [FieldError("password", "required")] if required else []
        problems = self._policy.problems(password, username=user.username)
        if not problems:
            user.password_hash = self._hasher.hash(password)
            user.password_changed_at = self._clock.now()
            user.failed_logins, user.locked_until = 0, None
        return problems

    @staticmethod
    def _acting_user_id(uow: AdministrationUnit, actor: Actor) -> int | None:
        return next((u.id for u in uow.users.list() if u.username == actor.name), None)


def _repo(uow: AdministrationUnit, spec: Kind) -> Repository[Any]:
    repo: Repository[Any] = getattr(uow, spec.repo)
    return repo


def _get(uow: AdministrationUnit, spec: Kind, entity_id: int) -> Any:
    entity = _repo(uow, spec).get(entity_id)
    if entity is None:
        raise NotFound(spec.name, entity_id)
    return entity


def _check_fields(
    spec: Kind, values: Mapping[str, Any], *, creating: bool, unreadable: tuple[FieldError, ...] = ()
) -> None:
    """Unknown fields, and (creating) fields without a default that are not given: with those the
    object cannot even be built, so they are reported now, with what could not be read."""
    settable = {
        f.name: f for f in attrs.fields(spec.cls) if f.name != "id" and f.name not in spec.secret_fields
    }
    errors = [FieldError(name, "unknown_field") for name in values if name not in settable]
    missing = [
        name for name, f in settable.items() if creating and f.default is attrs.NOTHING and name not in values
    ]
    skipped = {e.field for e in unreadable}
    errors += [FieldError(name, "required") for name in missing if name not in skipped]
    if errors or missing:
        raise ValidationFailed([*unreadable, *errors])


def _missing(spec: Kind, entity: Any) -> list[FieldError]:
    """Fields without a default left empty (an agent or a queue not chosen): the database would
    refuse them, and the user must hear which field it is, not that someone else changed something."""
    return [
        FieldError(f.name, "required")
        for f in attrs.fields(spec.cls)
        if f.default is attrs.NOTHING and getattr(entity, f.name) is None
    ]


def _reference_problems(uow: AdministrationUnit, spec: Kind, entity: Any) -> list[FieldError]:
    errors = []
    for ref in spec.refs:
        target = _repo(uow, KINDS[ref.kind])
        for target_id in ref.ids(entity):
            if target.get(target_id) is None:
                errors.append(FieldError(ref.field, "unknown_reference", {"id": target_id}))
    return errors


def _uniqueness_problems(uow: AdministrationUnit, spec: Kind, entity: Any) -> list[FieldError]:
    """A key another object already has, reported on the key's last field with the value and, for a
    key of one field, who has it (``by``), for a key of several fields the whole key (``key``)."""
    errors = []
    others = [e for e in _repo(uow, spec).list() if e.id != entity.id]
    for fields in spec.unique:
        key = tuple(_key(getattr(entity, f)) for f in fields)
        if key[-1] in ("", None):
            continue
        other = next((o for o in others if tuple(_key(getattr(o, f)) for f in fields) == key), None)
        if other is None:
            continue
        value = to_plain(getattr(entity, fields[-1]))
        params: dict[str, Any] = {"value": value}
        if len(fields) > 1:
            params["key"] = {f: to_plain(getattr(entity, f)) for f in fields}
        elif (by := _describe(spec, other)).casefold() != str(value).casefold():
            params["by"] = by
        errors.append(FieldError(fields[-1], "duplicate", params))
    return errors


def _describe(spec: Kind, entity: Any) -> str:
    """How a user knows the object: a person by name and user name, anything else by its label."""
    if getattr(entity, "full_name", ""):
        return f"{entity.full_name} ({spec.label(entity)})"
    return spec.label(entity)


def _users_using(uow: AdministrationUnit, spec: Kind, entity_id: int) -> list[str]:
    """Labels of the objects that refer to this one and so forbid deleting it."""
    found = []
    for other in KINDS.values():
        for ref in other.refs:
            if ref.kind == spec.name:
                found += [
                    f"{other.name}:{other.label(e)}"
                    for e in _repo(uow, other).list()
                    if entity_id in set(ref.ids(e))
                ]
    return sorted(set(found))


def _category_cycle(uow: AdministrationUnit, category: Any) -> list[FieldError]:
    parents = {c.id: c.parent_id for c in uow.categories.list()}
    seen, current = set(), category.parent_id
    while current is not None and current not in seen:
        if current == category.id:
            return [FieldError("parent_id", "category_cycle")]
        seen.add(current)
        current = parents.get(current)
    return []


def _ensure_an_admin_remains(users: list[Any]) -> None:
    """Nobody could administer KC any more: refuse the change."""
    if not any(u.active and Role.ADMIN in u.roles for u in users):
        raise ValidationFailed.one("roles", "last_admin")
