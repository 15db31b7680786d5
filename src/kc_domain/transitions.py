"""The one error of every state machine in the domain (agents, calls, later work items)."""

from __future__ import annotations

from enum import StrEnum

from kc_domain.errors import DomainError


class IllegalTransition(DomainError):
    """``subject`` was asked to ``action`` in a ``state`` that does not allow it; nothing changed."""

    def __init__(self, subject: str, state: StrEnum, action: str) -> None:
        self.subject, self.state, self.action = subject, state, action
        super().__init__(f"{subject} cannot {action} while {state.value}")
