"""Checkpoints of the audit log kept outside the database (KC_AUDIT_CHECKPOINT_FILE): one line per
checkpoint, ``SEQ:MAC TIME``. Only a copy kept elsewhere reveals the newest records cut off."""

from __future__ import annotations

from pathlib import Path

from apps.container import Container
from kc_domain.audit.model import Checkpoint


def take_checkpoint(container: Container) -> Checkpoint:
    """The newest record's seq and MAC, appended to KC_AUDIT_CHECKPOINT_FILE when one is set."""
    checkpoint = container.audit().checkpoint(container.uow_factory())
    path = container.settings().audit_checkpoint_file
    if path:
        with Path(path).open("a", encoding="utf-8") as file:
            file.write(f"{checkpoint} {container.clock().now().isoformat(timespec='seconds')}\n")
    return checkpoint


def read_checkpoints(path: str | Path) -> list[Checkpoint]:
    """Every checkpoint in the file (blank lines and ``#`` comments skipped); ValueError naming the
    line when one is not ``SEQ:MAC``."""
    found = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                found.append(Checkpoint.parse(line))
            except ValueError as error:
                raise ValueError(f"{path}, line {number}: {error}") from error
    return found


def configured_checkpoints(container: Container) -> list[Checkpoint]:
    """The checkpoints in KC_AUDIT_CHECKPOINT_FILE; none when it is not set or not written yet."""
    path = container.settings().audit_checkpoint_file
    return read_checkpoints(path) if path and Path(path).exists() else []
