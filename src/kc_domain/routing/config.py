"""What the engine needs to know about each queue, taken from the administered Queue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from kc_domain.ivr.model import IvrTree
from kc_domain.organisation.hours import OpeningHours
from kc_domain.organisation.model import OverflowTarget, Queue
from kc_domain.routing.policy import Strategy


@attrs.frozen
class QueueRouting:
    queue_id: int
    name: str = ""
    number: str = ""
    strategy: Strategy = Strategy.SKILL_FIRST
    priority: int = 5
    wrap_up_s: int = 30
    sl_threshold_s: int = 20
    rona_timeout_s: int = 20  # ring-no-answer after this many seconds
    max_wait_s: int = 0  # 0: wait as long as the caller does
    sticky_wait_s: int = 0  # IN-13: how long to wait for the caller's last agent
    overflow_when_no_agents: bool = False
    hours: OpeningHours = attrs.field(factory=OpeningHours.always_open)
    overflow: OverflowTarget = attrs.field(factory=OverflowTarget)
    announce_every_s: int = 0  # IN-10: 0: no position / expected wait announcements
    announce_position: bool = True
    announce_wait: bool = True
    callback_key: str = ""  # IN-09
    voicemail_key: str = ""  # IN-08
    sl_target_percent: int = 80  # RT-05, WB-01: answered within the threshold, of all offered

    @classmethod
    def of(cls, queue: Queue) -> QueueRouting:
        assert queue.id is not None
        return cls(
            queue.id,
            queue.name,
            queue.number,
            queue.strategy,
            queue.priority,
            queue.wrap_up_s,
            queue.sl_threshold_s,
            queue.rona_timeout_s,
            queue.max_wait_s,
            queue.sticky_wait_s,
            queue.overflow_when_no_agents,
            queue.hours,
            queue.overflow,
            queue.announce_every_s,
            queue.announce_position,
            queue.announce_wait,
            queue.callback_key,
            queue.voicemail_key,
            queue.sl_target_percent,
        )


LookupResult = str | Mapping[str, str] | None


def no_lookup(_source: str, _key: str) -> LookupResult:
    """The default lookup: nothing is found (the tree goes to the lookup's ``on_missing``)."""
    return None


@attrs.frozen
class IvrDirectory:
    """The active IVR trees: by dialled number (DID) and by name (for go-to-tree and overflow)."""

    by_number: Mapping[str, IvrTree] = attrs.field(factory=dict)
    by_name: Mapping[str, IvrTree] = attrs.field(factory=dict)

    @classmethod
    def of(cls, trees: Iterable[IvrTree], numbers: Mapping[str, str]) -> IvrDirectory:
        """``numbers`` maps a DID to a tree name; numbers of unknown trees are left out."""
        by_name = {t.name: t for t in trees}
        return cls({n: by_name[t] for n, t in numbers.items() if t in by_name}, by_name)
