"""A deterministic IVR interpreter: the host feeds events with the time they happened and performs the
returned actions (play, start a timer, route...). No clock, no I/O (IN-06, IN-07, IN-19, IN-24, IN-25)."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping
from datetime import date, datetime, tzinfo
from typing import Literal

import attrs

from kc_domain.errors import DomainError
from kc_domain.ivr.model import (
    Callback,
    CollectDigits,
    Condition,
    GotoTree,
    HangUp,
    IvrTree,
    Lookup,
    Menu,
    Node,
    Play,
    Prompt,
    RouteToQueue,
    SetTag,
    Transfer,
    Voicemail,
)
from kc_domain.ivr.validation import digits_valid
from kc_domain.organisation.hours import parse_intervals

MAX_STEPS = 100
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


class IvrLoop(DomainError):
    """One event made the caller pass through too many nodes: the tree loops without waiting."""

    def __init__(self, tree: str, node: str, steps: int) -> None:
        self.tree, self.node, self.steps = tree, node, steps
        super().__init__(f"IVR tree {tree!r} looped: {steps} node transitions in one event, last {node!r}")


class IvrStateError(DomainError):
    """The session got an event it cannot take now (e.g. ``start`` twice, a lookup result unasked)."""


# --- actions ------------------------------------------------------------------------------------------


@attrs.frozen
class Action:
    pass


@attrs.frozen
class PlayPrompt(Action):
    text: str = ""
    audio: str = ""


@attrs.frozen
class StartTimer(Action):
    seconds: int


@attrs.frozen
class Route(Action):
    queue_ids: tuple[int, ...]


@attrs.frozen
class TransferTo(Action):
    number: str


@attrs.frozen
class ToVoicemail(Action):
    box: str


@attrs.frozen
class RequestCallback(Action):
    queue_id: int


@attrs.frozen
class JumpTree(Action):
    name: str


@attrs.frozen
class Hangup(Action):
    pass


@attrs.frozen
class Tag(Action):
    key: str
    value: str


@attrs.frozen
class NeedLookup(Action):
    source: str
    key: str


# --- context ------------------------------------------------------------------------------------------


def _always_open(queue_id: int) -> bool:
    return True


@attrs.frozen
class IvrEnvironment:
    """What the host knows about the call and the world, fixed for the session."""

    zone: tzinfo
    holidays: Container[date] = frozenset()
    caller: str = ""
    statuses: frozenset[str] = frozenset()
    is_open: Callable[[int], bool] = _always_open


@attrs.frozen
class ConditionContext:
    now: datetime
    zone: tzinfo
    holidays: Container[date]
    caller: str
    statuses: frozenset[str]
    variables: Mapping[str, str]
    is_open: Callable[[int], bool]


def condition_holds(condition: Condition, ctx: ConditionContext) -> bool:
    kind, value = condition.kind, condition.value
    if kind == "open":
        return value.isdigit() and ctx.is_open(int(value))
    if kind == "time":
        local = ctx.now.astimezone(ctx.zone)
        minute = local.hour * 60 + local.minute
        return any(i.contains(minute) for i in parse_intervals(value))
    if kind == "caller":
        if value.startswith("^"):
            return re.match(value, ctx.caller) is not None
        return ctx.caller.startswith(value)
    if kind == "status":
        return value in ctx.statuses
    if kind == "variable":
        return ctx.variables.get(condition.name) == value
    raise DomainError(f"unknown condition kind {kind!r}")


def fill(text: str, variables: Mapping[str, str]) -> str:
    """Replaces ``{name}`` with the variable's value; unknown variables become empty text."""
    return _PLACEHOLDER.sub(lambda m: variables.get(m.group(1), ""), text)


# --- statistics ---------------------------------------------------------------------------------------


@attrs.define
class NodeStats:
    """Per-node counts of one session; a host sums them over sessions (REP-09)."""

    entries: int = 0
    choices: dict[str, int] = attrs.field(factory=dict)
    exits: int = 0
    timeouts: int = 0
    invalid: int = 0
    abandons: int = 0


# --- session ------------------------------------------------------------------------------------------

Waiting = Literal["start", "prompt", "input", "lookup", "done"]


class IvrSession:
    """One caller's walk through one tree. Every event method returns the actions for the host."""

    def __init__(
        self, tree: IvrTree, variables: Mapping[str, str] | None = None, *, environment: IvrEnvironment
    ) -> None:
        self.tree = tree
        self.environment = environment
        self.variables: dict[str, str] = dict(variables or {})
        self.tags: dict[str, str] = {}
        self.stats: dict[str, NodeStats] = {}
        self.current: str = tree.start
        self.waiting: Waiting = "start"
        self.outcome: Action | None = None
        self._attempts: dict[str, int] = {}
        self._buffer = ""
        self._nodes = {n.id: n for n in reversed(tree.nodes)}  # first wins on duplicates

    @property
    def finished(self) -> bool:
        return self.waiting == "done"

    def set_variable(self, name: str, value: str) -> None:
        """E.g. the caller's queue ``position`` before a prompt that says it."""
        self.variables[name] = value

    # events

    def start(self, at: datetime) -> list[Action]:
        if self.waiting != "start":
            raise IvrStateError("session already started")
        return self._run(at, lambda go: go(self.tree.start))

    def on_prompt_finished(self, at: datetime) -> list[Action]:
        if self.waiting != "prompt":
            return []
        node = self._node()
        if isinstance(node, Play):
            return self._run(at, lambda go: go(node.next, leaving=True))
        if isinstance(node, Menu | CollectDigits):
            self.waiting = "input"
            return [StartTimer(node.timeout_s)]
        return []

    def on_digits(self, digits: str, at: datetime) -> list[Action]:
        """DTMF keys, possibly several at once. A menu takes the first key only; a collection appends
        them (``#`` ends it). Keys are accepted while a menu or collection prompt plays (barge-in)."""
        if self.waiting not in ("prompt", "input") or not digits:
            return []
        node = self._node()
        if isinstance(node, Menu):
            return self._run(at, lambda go: self._menu_key(node, digits[0], go))
        if isinstance(node, CollectDigits):
            return self._run(at, lambda go: self._collect(node, digits, go))
        return []  # digits during a Play are ignored

    def on_timeout(self, at: datetime) -> list[Action]:
        if self.waiting != "input":
            return []
        node = self._node()
        stats = self._stats(node.id)
        if isinstance(node, CollectDigits) and len(self._buffer) >= node.min_len:
            return self._run(at, lambda go: self._finish_collect(node, go))
        stats.timeouts += 1
        if isinstance(node, Menu):
            return self._run(at, lambda go: self._failed(node, node.on_timeout, go))
        if isinstance(node, CollectDigits):
            return self._run(at, lambda go: self._failed(node, "", go))
        return []

    def on_lookup(self, result: str | Mapping[str, str] | None, at: datetime) -> list[Action]:
        if self.waiting != "lookup":
            raise IvrStateError("no lookup is pending")
        node = self._node()
        assert isinstance(node, Lookup)
        if result is None or result == "" or (isinstance(result, Mapping) and not result):
            return self._run(at, lambda go: go(node.on_missing, leaving=True))
        if isinstance(result, str):
            self.variables[node.into] = result
        else:
            self.variables[node.into] = "1"
            for key, value in sorted(result.items()):
                self.variables[f"{node.into}.{key}"] = value
        return self._run(at, lambda go: go(node.next, leaving=True))

    def on_hangup(self, at: datetime) -> list[Action]:
        """The caller hung up: records an abandon at the current node; the session ends."""
        if self.waiting not in ("start", "done"):
            self._stats(self.current).abandons += 1
        self.waiting = "done"
        return []

    # the walk

    def _node(self) -> Node:
        return self._nodes[self.current]

    def _stats(self, node_id: str) -> NodeStats:
        return self.stats.setdefault(node_id, NodeStats())

    def _run(self, at: datetime, first: Callable[[Go], None]) -> list[Action]:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("the event time must be timezone-aware")
        walk = _Walk(self, at)
        first(walk.go)
        return walk.actions

    def _menu_key(self, node: Menu, key: str, go: Go) -> None:
        target = node.choices.get(key)
        if target is None:
            self._stats(node.id).invalid += 1
            self._failed(node, node.on_invalid, go)
            return
        choices = self._stats(node.id).choices
        choices[key] = choices.get(key, 0) + 1
        self._attempts.pop(node.id, None)
        go(target, leaving=True)

    def _collect(self, node: CollectDigits, digits: str, go: Go) -> None:
        self._buffer += digits
        if "#" in self._buffer:
            self._buffer = self._buffer.split("#", 1)[0]
            self._finish_collect(node, go)
        elif len(self._buffer) >= node.max_len:
            self._finish_collect(node, go)
        elif self.waiting == "input":
            go.actions.append(StartTimer(node.timeout_s))  # wait for more digits

    def _finish_collect(self, node: CollectDigits, go: Go) -> None:
        entered, self._buffer = self._buffer, ""
        ok = node.min_len <= len(entered) <= node.max_len and entered.isdigit()
        if ok and digits_valid(node.validator, entered):
            self.variables[node.into] = entered
            self._attempts.pop(node.id, None)
            go(node.next, leaving=True)
        else:
            self._stats(node.id).invalid += 1
            self._failed(node, "", go)

    def _failed(self, node: Menu | CollectDigits, detour: str, go: Go) -> None:
        """A timeout or a wrong entry: try again (via ``detour`` if set) or give up."""
        attempts = self._attempts.get(node.id, 0) + 1
        if attempts > node.retries:
            self._attempts.pop(node.id, None)
            fallback = node.on_fail if isinstance(node, Menu) else node.on_invalid
            if fallback:
                go(fallback, leaving=True)
            else:
                self._stats(node.id).exits += 1
                go.end(Hangup())
            return
        self._attempts[node.id] = attempts
        go(detour or node.id, leaving=True)


class Go:
    """Moves the session from node to node until it has to wait; collects actions."""

    def __init__(self, walk: _Walk) -> None:
        self.walk = walk
        self.actions = walk.actions

    def __call__(self, node_id: str, *, leaving: bool = False) -> None:
        self.walk.enter(node_id, leaving=leaving)

    def end(self, action: Action) -> None:
        self.walk.end(action)


class _Walk:
    def __init__(self, session: IvrSession, at: datetime) -> None:
        self.session, self.at = session, at
        self.actions: list[Action] = []
        self.steps = 0
        self.go = Go(self)

    def end(self, action: Action) -> None:
        self.actions.append(action)
        self.session.outcome = action
        self.session.waiting = "done"

    def enter(self, node_id: str, *, leaving: bool) -> None:
        s = self.session
        while True:
            if leaving:
                s._stats(s.current).exits += 1
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise IvrLoop(s.tree.name, node_id, self.steps - 1)
            node = s._nodes.get(node_id)
            if node is None:
                raise DomainError(f"IVR tree {s.tree.name!r} has no node {node_id!r}")
            s.current = node_id
            s._stats(node_id).entries += 1
            following = self._step(node)
            if following is None:
                return
            node_id, leaving = following, True

    def _prompt(self, prompt: Prompt) -> None:
        variables = self.session.variables
        self.actions.append(PlayPrompt(fill(prompt.text, variables), prompt.audio))

    def _step(self, node: Node) -> str | None:
        """Acts on entering ``node``; returns the next node id, or None when the session waits or ends."""
        s = self.session
        env = s.environment
        if isinstance(node, Menu | CollectDigits):
            s._buffer = ""
            if node.prompt:
                self._prompt(node.prompt)
                s.waiting = "prompt"
            else:
                self.actions.append(StartTimer(node.timeout_s))
                s.waiting = "input"
            return None
        if isinstance(node, Play):
            if not node.prompt:
                return node.next
            self._prompt(node.prompt)
            s.waiting = "prompt"
            return None
        if isinstance(node, Condition):
            ctx = ConditionContext(
                self.at, env.zone, env.holidays, env.caller, env.statuses, s.variables, env.is_open
            )
            return node.then if condition_holds(node, ctx) else node.otherwise
        if isinstance(node, Lookup):
            self.actions.append(NeedLookup(node.source, s.variables.get(node.key, "")))
            s.waiting = "lookup"
            return None
        if isinstance(node, SetTag):
            value = fill(node.value, s.variables)
            s.tags[node.key] = value
            self.actions.append(Tag(node.key, value))
            return node.next
        if isinstance(node, RouteToQueue):
            open_ids = tuple(q for q in node.queue_ids if env.is_open(q))
            if not open_ids and node.otherwise:
                return node.otherwise
            self.end(Route(open_ids or node.queue_ids))
        elif isinstance(node, Transfer):
            self.end(TransferTo(node.number))
        elif isinstance(node, Voicemail):
            self.end(ToVoicemail(node.box))
        elif isinstance(node, Callback):
            self.end(RequestCallback(node.queue_id))
        elif isinstance(node, GotoTree):
            self.end(JumpTree(node.tree))
        elif isinstance(node, HangUp):
            self.end(Hangup())
        else:
            raise DomainError(f"unknown IVR node {type(node).__name__}")
        s._stats(node.id).exits += 1
        return None
