"""Create, change and delete configured objects: validated whole, saved whole, audited always."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.admin.kinds import KINDS, Kind
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import FieldError, InUse, NotFound, ValidationFailed
from kc_domain.identity.password import PasswordPolicy
from kc_domain.identity.roles import Role
from kc_domain.plain import to_plain

if TYPE_CHECKING:
    from kc_ports.persistence import Repository, UnitOfWork, UnitOfWorkFactory
    from kc_ports.system import Clock, PasswordHasher


def _key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class AdminService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
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
    def create(self, actor: Actor, kind: str, values: Mapping[str, Any], password: str | None = None) -> Any:
        spec = KINDS[kind]

        def change(uow: UnitOfWork) -> tuple[Any, dict[str, Any]]:
            _check_fields(spec, values, creating=True)
            entity = spec.cls(**values)
            extra = self._set_password(entity, password, required=True) if spec.name == "user" else []
            self._check(uow, spec, entity, extra)
            _repo(uow, spec).add(entity)
            return entity, {"after": self.plain(kind, entity)}

        return self._run(actor, spec, "create", None, change)

    def update(
        self, actor: Actor, kind: str, entity_id: int, values: Mapping[str, Any], password: str | None = None
    ) -> Any:
        spec = KINDS[kind]

        def change(uow: UnitOfWork) -> tuple[Any, dict[str, Any]]:
            _check_fields(spec, values, creating=False)
            entity = _get(uow, spec, entity_id)
            before = self.plain(kind, entity)
            candidate = attrs.evolve(entity, **values)
            acting_id = self._acting_user_id(uow, actor) if spec.name == "user" else None
            if acting_id is not None and candidate.id == acting_id and not candidate.active:
                raise ValidationFailed.one("active", "cannot_deactivate_self")
            extra = self._set_password(candidate, password, required=False) if spec.name == "user" else []
            self._check(uow, spec, candidate, extra)
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

        def change(uow: UnitOfWork) -> tuple[Any, dict[str, Any]]:
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
        change: Callable[[UnitOfWork], tuple[Any, dict[str, Any]]],
    ) -> Any:
        return self._audit.run(self._uow_factory, actor, f"{spec.name}.{verb}", spec.name, entity_id, change)

    def _check(self, uow: UnitOfWork, spec: Kind, entity: Any, extra: builtins.list[FieldError]) -> None:
        """Every problem at once: the entity's own, references, uniqueness, tree cycles, ``extra``."""
        errors: list[FieldError] = entity.problems() + extra
        errors += _reference_problems(uow, spec, entity)
        errors += _uniqueness_problems(uow, spec, entity)
        if spec.name == "category":
            errors += _category_cycle(uow, entity)
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
    def _acting_user_id(uow: UnitOfWork, actor: Actor) -> int | None:
        return next((u.id for u in uow.users.list() if u.username == actor.name), None)


def _repo(uow: UnitOfWork, spec: Kind) -> Repository[Any]:
    repo: Repository[Any] = getattr(uow, spec.repo)
    return repo


def _get(uow: UnitOfWork, spec: Kind, entity_id: int) -> Any:
    entity = _repo(uow, spec).get(entity_id)
    if entity is None:
        raise NotFound(spec.name, entity_id)
    return entity


def _check_fields(spec: Kind, values: Mapping[str, Any], *, creating: bool) -> None:
    settable = {
        f.name: f for f in attrs.fields(spec.cls) if f.name != "id" and f.name not in spec.secret_fields
    }
    errors = [FieldError(name, "unknown_field") for name in values if name not in settable]
    if creating:
        errors += [
            FieldError(name, "required")
            for name, f in settable.items()
            if f.default is attrs.NOTHING and name not in values
        ]
    if errors:
        raise ValidationFailed(errors)


def _reference_problems(uow: UnitOfWork, spec: Kind, entity: Any) -> list[FieldError]:
    errors = []
    for ref in spec.refs:
        target = _repo(uow, KINDS[ref.kind])
        for target_id in ref.ids(entity):
            if target.get(target_id) is None:
                errors.append(FieldError(ref.field, "unknown_reference", {"id": target_id}))
    return errors


def _uniqueness_problems(uow: UnitOfWork, spec: Kind, entity: Any) -> list[FieldError]:
    errors = []
    others = [e for e in _repo(uow, spec).list() if e.id != entity.id]
    for fields in spec.unique:
        key = tuple(_key(getattr(entity, f)) for f in fields)
        if key[-1] in ("", None):
            continue
        if any(tuple(_key(getattr(o, f)) for f in fields) == key for o in others):
            errors.append(FieldError(fields[-1], "duplicate", {"value": getattr(entity, fields[-1])}))
    return errors


def _users_using(uow: UnitOfWork, spec: Kind, entity_id: int) -> list[str]:
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


def _category_cycle(uow: UnitOfWork, category: Any) -> list[FieldError]:
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
