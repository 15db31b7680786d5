"""Keys KC keeps in var/ when the operator sets none: created once at random, readable by KC only."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from apps.settings import VAR, Settings


def kept_secret(configured: str, name: str) -> str:
    """``configured``, or the random key in ``var/<name>``, created on first use."""
    if configured:
        return configured
    path = VAR / name
    if not path.exists():
        _create(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def audit_key(settings: Settings) -> bytes:
    """The key of the audit log's MACs: KC_AUDIT_KEY, or one kept in var/audit.key. It must not
    live in the database, or whoever edits the log could recompute its MACs."""
    return kept_secret(settings.audit_key, "audit.key").encode("utf-8")


def _create(path: Path, secret: str) -> None:
    # Written aside and linked into place: processes starting together all end up with one key,
    # never with an empty file or with one overwriting another's.
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secret)
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    finally:
        aside.unlink()
