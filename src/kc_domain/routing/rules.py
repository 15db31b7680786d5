"""Caller rules (IN-02): VIP and blocked lists, number prefixes and the caller's status in the
customer database raise a call's priority, choose its queue or reject it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs


@attrs.frozen
class CallerRule:
    """Matches when any of its conditions holds; the first matching rule of a list applies."""

    name: str
    numbers: frozenset[str] = frozenset()  # exact numbers, e.g. a VIP list
    prefixes: tuple[str, ...] = ()  # e.g. "+421" for Slovak callers
    statuses: frozenset[str] = frozenset()  # flags from the customer database, e.g. "vip", "arrears"
    priority: int | None = None  # set the call's priority (1 first .. 10 last)
    queue_id: int | None = None  # send to this queue instead
    block: bool = False  # reject the call

    def matches(self, caller: str, statuses: frozenset[str]) -> bool:
        return (
            caller in self.numbers
            or any(caller.startswith(p) for p in self.prefixes)
            or bool(self.statuses & statuses)
        )


@attrs.frozen
class RuleOutcome:
    rule: str = ""
    priority: int | None = None
    queue_id: int | None = None
    block: bool = False


def apply_rules(rules: Sequence[CallerRule], caller: str, statuses: Iterable[str] = ()) -> RuleOutcome:
    flags = frozenset(statuses)
    for rule in rules:
        if rule.matches(caller, flags):
            return RuleOutcome(rule.name, rule.priority, rule.queue_id, rule.block)
    return RuleOutcome()
