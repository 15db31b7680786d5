"""Domain errors. HTTP status codes are mapped once, in apps/web/errors.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


@attrs.frozen
class FieldError:
    """One reason why one field (or one row of a field) is not acceptable.

    ``code`` is a stable, untranslated key (``required``, ``too_long``, ``duplicate``...);
    the web shell turns it into a Czech or English sentence with ``params``.
    """

    field: str
    code: str
    params: Mapping[str, Any] = attrs.field(factory=dict)


class ValidationFailed(DomainError):
    """Input was rejected; nothing was changed."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in self.errors))

    @classmethod
    def one(cls, field: str, code: str, **params: Any) -> ValidationFailed:
        return cls([FieldError(field, code, params)])


class NotFound(DomainError):
    def __init__(self, kind: str, key: object) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key!r} not found")


class InUse(DomainError):
    """An object cannot be deleted because others refer to it."""

    def __init__(self, kind: str, key: object, used_by: Iterable[str]) -> None:
        self.kind, self.key, self.used_by = kind, key, tuple(used_by)
        super().__init__(f"{kind} {key!r} is used by {', '.join(self.used_by)}")


class Conflict(DomainError):
    """Two changes collided (a unique key taken meanwhile, an audit sequence number); nothing was saved."""


class AuthenticationFailed(DomainError):
    """Wrong user name or password, or the account cannot sign in; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Forbidden(DomainError):
    """The acting user lacks the permission for this action."""
