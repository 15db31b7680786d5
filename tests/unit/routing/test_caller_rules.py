"""Caller rules (IN-02): VIP list, prefixes, blocked numbers and the caller's status in the database."""

from __future__ import annotations

import pytest

from kc_domain.routing import events as ev
from kc_domain.routing.rules import CallerRule, RuleOutcome, apply_rules

from .fakes import CLAIMS, DEBTS, SALES, Harness, agent, queue

pytestmark = pytest.mark.req("IN-02")

VIP = CallerRule("vip list", numbers=frozenset({"+420602111111"}), priority=1)
SLOVAK = CallerRule("slovak", prefixes=("+421",), queue_id=CLAIMS)
BLOCKED = CallerRule("blocked", numbers=frozenset({"+420666666666"}), block=True)
ARREARS = CallerRule("arrears", statuses=frozenset({"arrears"}), queue_id=DEBTS)
DB_VIP = CallerRule("vip status", statuses=frozenset({"vip"}), priority=2)


def test_first_matching_rule_wins():
    rules = [BLOCKED, VIP, CallerRule("also vip", numbers=frozenset({"+420602111111"}), priority=9)]
    assert apply_rules(rules, "+420602111111") == RuleOutcome("vip list", 1, None, False)
    assert apply_rules(rules, "+420666666666").block
    assert apply_rules(rules, "+420600000000") == RuleOutcome()


def test_a_rule_matches_by_number_prefix_or_status():
    assert SLOVAK.matches("+421905123456", frozenset())
    assert not SLOVAK.matches("+420905123456", frozenset())
    assert ARREARS.matches("+420605000000", frozenset({"arrears", "vip"}))
    assert not ARREARS.matches("+420605000000", frozenset({"vip"}))


def test_a_vip_overtakes_callers_who_came_earlier():
    h = Harness([queue(SALES)], [agent(1, SALES)], rules=[VIP])
    h.engine.log_in(1)
    early = [h.arrive(), h.arrive()]
    h.clock.advance(seconds=60)
    vip = h.arrive("+420602111111")
    assert [c.call_id for c in h.engine.waiting(SALES)] == [vip, *early]
    (queued,) = [e for e in h.events(ev.CallQueued) if e.call_id == vip]
    assert (queued.priority, queued.rule) == (1, "vip list")
    h.engine.ready(1)
    assert h.pbx.rings() == [(vip, 1)]


def test_a_prefix_rule_sends_the_call_to_another_queue():
    h = Harness([queue(SALES), queue(CLAIMS)], [agent(1, SALES), agent(2, CLAIMS)], rules=[SLOVAK])
    h.ready(1, 2)
    call = h.arrive("+421905123456", dialled="801")
    assert h.engine.calls[call].queue_id == CLAIMS and h.pbx.rings() == [(call, 2)]
    assert h.events(ev.CallQueued)[-1].rule == "slovak"
    czech = h.arrive("+420605123456", dialled="801")
    assert h.engine.calls[czech].queue_id == SALES


def test_a_blocked_number_is_rejected_and_hung_up():
    h = Harness([queue(SALES)], [agent(1, SALES)], rules=[BLOCKED])
    h.ready(1)
    call = h.arrive("+420666666666")
    assert h.pbx.commands[-1] == ("hang_up", call, "rejected")
    (ended,) = h.ended(call)
    assert (ended.stage, ended.cause, ended.queue_id) == ("rejected", "rule blocked", None)
    assert h.pbx.rings() == [] and h.state(1) == "ready"
    assert h.engine.calls[call].stage == "ended" and h.engine.calls[call].end == "rejected"
    assert not any(isinstance(e, ev.CallQueued) for e in h.engine.events)


def test_the_callers_status_from_the_customer_database_applies():
    statuses = {"+420603000001": {"vip"}, "+420603000002": {"arrears"}}
    looked_up: list[str] = []

    def caller_status(number: str) -> set[str]:
        looked_up.append(number)
        return statuses.get(number, set())

    h = Harness(
        [queue(SALES), queue(DEBTS)], [agent(1, SALES)], rules=[ARREARS, DB_VIP], caller_status=caller_status
    )
    h.engine.log_in(1)
    plain = h.arrive("+420603000009")
    vip = h.arrive("+420603000001")
    debtor = h.arrive("+420603000002")
    assert looked_up == ["+420603000009", "+420603000001", "+420603000002"]
    assert [c.call_id for c in h.engine.waiting(SALES)] == [vip, plain]
    assert h.engine.calls[vip].priority == 2
    assert h.engine.calls[debtor].queue_id == DEBTS


def test_a_rule_naming_an_unknown_queue_rejects_the_call_rather_than_crash():
    h = Harness([queue(SALES)], [], rules=[CallerRule("gone", prefixes=("+48",), queue_id=42)])
    call = h.arrive("+48600100200")
    assert h.pbx.commands == [("hang_up", call, "unknown_number")]
    assert h.ended(call)[0].stage == "rejected"
