"""Calls walking an IVR tree inside the engine: the dialled number picks the tree, prompts play one
after another, keys and timeouts drive it, and every way out of the tree (IN-06, IN-07, IN-19,
IN-20, IN-24, IN-25, REP-09)."""

from __future__ import annotations

import pytest

from kc_domain.ivr.model import (
    Callback,
    CollectDigits,
    GotoTree,
    HangUp,
    IvrTree,
    Lookup,
    Menu,
    Play,
    Prompt,
    RouteToQueue,
    SetTag,
    Transfer,
    Voicemail,
)
from kc_domain.organisation.model import OverflowKind
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing import prompts
from kc_domain.routing.config import IvrDirectory

from .fakes import CLAIMS, SALES, Harness, agent, queue

DID = "+420261105555"
WELCOME = "Dobrý den, pro platby stiskněte 1, pro průkaz 2, pro ukončení 9."
MAIN = IvrTree(
    "hlavni",
    3,
    "welcome",
    [
        Menu(
            id="welcome",
            prompt=Prompt(WELCOME),
            choices={
                "1": "tag_payments",
                "2": "card",
                "3": "lookup",
                "4": "vm",
                "5": "cb",
                "6": "other",
                "9": "bye",
            },
            timeout_s=5,
            retries=1,
        ),
        SetTag(id="tag_payments", key="problem", value="platby", next="to_sales"),
        RouteToQueue(id="to_sales", queue_ids=(CLAIMS, SALES)),
        Transfer(id="card", number="+420800111222"),
        CollectDigits(
            id="lookup",
            prompt=Prompt("Zadejte číslo pojištěnce."),
            min_len=9,
            max_len=10,
            into="rc",
            next="find",
        ),
        Lookup(id="find", source="client", key="rc", into="client", next="say", on_missing="bye"),
        Play(id="say", prompt=Prompt("Vaše pojistné je uhrazeno do {client.paid_until}."), next="bye"),
        Voicemail(id="vm", box="reklamace"),
        Callback(id="cb", queue_id=SALES),
        GotoTree(id="other", tree="noc"),
        Play(id="bye", prompt=Prompt("Na shledanou."), next="end"),
        HangUp(id="end"),
    ],
)
NIGHT = IvrTree(
    "noc", 1, "closed", [Play(id="closed", prompt=Prompt("Máme zavřeno."), next="x"), HangUp(id="x")]
)
DIRECTORY = IvrDirectory.of([MAIN, NIGHT], {DID: "hlavni"})


def harness(ivr: IvrDirectory = DIRECTORY, **options: object) -> Harness:
    return Harness([queue(SALES), queue(CLAIMS)], [agent(1, SALES), agent(2, CLAIMS)], ivr=ivr, **options)


def enter(h: Harness) -> str:
    call = h.arrive(dialled=DID)
    h.prompts_done(call)
    return call


@pytest.mark.req("IN-06", "IN-25", "IN-19")
def test_a_call_to_a_number_with_a_tree_walks_the_menu_and_reaches_the_queue_tagged():
    h = harness()
    h.ready(1)
    call = h.arrive(dialled=DID)
    assert h.pbx.commands[0] == ("answer", call)
    assert h.said(call) == [WELCOME]
    assert h.engine.calls[call].stage == "ivr"
    (entered,) = h.events(ev.CallEnteredIvr)
    assert (entered.tree, entered.version) == ("hlavni", 3)
    h.prompts_done(call)
    h.press(call, "1")
    assert h.engine.calls[call].tags == {"problem": "platby"}
    assert h.events(ev.CallTagged)[0].value == "platby"
    # IN-19: the claims queue comes first in the tree, but nobody is signed in there: sales takes it
    assert h.engine.calls[call].queue_id == SALES and h.at(call) == 1
    (left,) = h.events(ev.CallLeftIvr)
    assert (left.outcome, left.detail) == ("route", str(SALES))
    assert left.stats["welcome"]["choices"] == {"1": 1} and left.stats["welcome"]["entries"] == 1
    assert h.events(ev.CallQueued)[0].rule == "ivr:hlavni"


@pytest.mark.req("IN-20")
def test_the_general_announcement_plays_before_the_menu_and_the_menu_waits_for_both():
    outage = Prompt("Omlouváme se, portál pojištěnce je mimo provoz.")
    h = harness(general_prompts=lambda dialled, at: [outage] if dialled == DID else [])
    call = h.arrive(dialled=DID)
    assert h.said(call) == [outage.text]
    assert h.events(ev.CallAnnounced)[0].kind == "general"
    h.engine.on_pbx(pbx.PromptFinished(h.clock.now(), call))  # the announcement is over
    assert h.said(call) == [outage.text, WELCOME]
    h.advance(10)  # the menu still plays: its timeout has not started
    assert h.said(call) == [outage.text, WELCOME]
    h.prompts_done(call)
    h.advance(5)  # no key: the menu is played again (one retry)
    assert h.said(call) == [outage.text, WELCOME, WELCOME]


@pytest.mark.req("IN-20")
def test_the_general_announcement_also_plays_on_a_number_without_a_tree_before_the_queue():
    h = harness(general_prompts=lambda dialled, at: [Prompt(audio="vypadek")])
    h.ready(1)
    call = h.arrive(dialled="801")
    assert h.pbx.of("play") == [("play", call, "file:vypadek")]
    assert h.at(call) is None  # queued only after the announcement
    h.prompts_done(call)
    assert h.at(call) == 1


@pytest.mark.req("IN-06", "REP-09")
def test_a_caller_hanging_up_in_the_menu_is_lost_in_the_ivr_and_counted_at_the_node():
    h = harness()
    call = enter(h)
    h.engine.call_ended(call, "caller_hangup")
    assert h.ended(call)[0].stage == "abandoned_in_ivr"
    (left,) = h.events(ev.CallLeftIvr)
    assert left.outcome == "abandoned" and left.stats["welcome"]["abandons"] == 1


@pytest.mark.req("IN-06")
def test_no_key_after_the_retries_ends_the_call():
    h = harness()
    call = enter(h)
    h.advance(5)
    h.prompts_done(call)
    h.advance(5)
    assert h.ended(call)[0].stage == "ended_by_ivr"
    assert h.events(ev.CallLeftIvr)[0].stats["welcome"]["timeouts"] == 2


@pytest.mark.req("IN-07")
def test_a_lookup_reads_the_callers_data_out_by_tts():
    asked: list[tuple[str, str]] = []

    def lookup(source: str, key: str) -> dict[str, str]:
        asked.append((source, key))
        return {"paid_until": "31. 12. 2026"}

    h = harness(lookup=lookup)
    call = enter(h)
    h.press(call, "3")
    h.prompts_done(call)
    h.press(call, "7801011234")
    assert asked == [("client", "7801011234")]
    assert h.said(call)[-1] == "Vaše pojistné je uhrazeno do 31. 12. 2026."
    h.prompts_done(call)
    assert h.said(call)[-1] == "Na shledanou."
    h.prompts_done(call)
    assert h.pbx.of("hang_up") == [("hang_up", call, "ivr")]
    assert h.ended(call)[0].stage == "ended_by_ivr"


@pytest.mark.req("IN-06")
def test_a_key_during_a_play_node_skips_the_prompt():
    h = harness(lookup=lambda source, key: None)  # nothing found: goes to "bye"
    call = enter(h)
    h.press(call, "3")
    h.press(call, "780101123#")
    assert h.said(call)[-1] == "Na shledanou."
    h.press(call, "0")
    assert h.pbx.of("hang_up") == [("hang_up", call, "ivr")]


@pytest.mark.req("IN-06")
def test_transfer_from_the_tree():
    h = harness()
    call = enter(h)
    h.press(call, "2")
    assert h.pbx.of("transfer") == [("transfer", call, "+420800111222")]
    assert h.ended(call)[0].stage == "transferred"
    assert h.events(ev.CallLeftIvr)[0].outcome == "transfer"


@pytest.mark.req("IN-08")
def test_voicemail_from_the_tree_is_recorded_after_the_intro():
    h = harness()
    call = enter(h)
    h.press(call, "4")
    assert h.said(call)[-1] == prompts.VOICEMAIL_INTRO
    h.prompts_done(call)
    assert h.pbx.of("record_voicemail") == [("record_voicemail", call, "reklamace")]
    h.engine.on_pbx(pbx.VoicemailRecorded(h.clock.now(), call, "reklamace", "vm-1", 12.5))
    (left,) = h.events(ev.CallVoicemailLeft)
    assert (left.box, left.recording, left.duration_s, left.queue_id) == ("reklamace", "vm-1", 12.5, None)
    assert h.ended(call)[0].stage == "voicemail"
    h.engine.call_ended(call)  # the caller's hang-up comes after: ignored
    assert len(h.ended(call)) == 1


@pytest.mark.req("IN-09")
def test_a_callback_chosen_in_the_tree_becomes_a_request():
    h = harness()
    call = enter(h)
    h.press(call, "5")
    assert h.said(call)[-1] == prompts.CALLBACK_ASK_TIME
    h.press(call, "#")
    (request,) = h.engine.callbacks.open_list()
    assert (request.queue_id, request.source.value, request.preferred_at) == (SALES, "ivr", None)
    assert h.ended(call)[0].stage == "called_back"
    assert h.said(call)[-1] == prompts.CALLBACK_ASAP
    h.prompts_done(call)
    assert h.pbx.of("hang_up") == [("hang_up", call, "callback_requested")]


@pytest.mark.req("IN-24")
def test_go_to_another_tree_and_to_an_unknown_one():
    h = harness()
    call = enter(h)
    h.press(call, "6")
    assert [e.tree for e in h.events(ev.CallEnteredIvr)] == ["hlavni", "noc"]
    assert h.said(call)[-1] == "Máme zavřeno."
    broken = IvrDirectory.of([MAIN], {DID: "hlavni"})  # "noc" is not active
    h2 = harness(ivr=broken)
    call2 = enter(h2)
    h2.press(call2, "6")
    assert h2.ended(call2)[0].stage == "ended_by_ivr"


@pytest.mark.req("IN-18", "IN-21")
def test_a_closed_queue_can_overflow_into_an_ivr_tree():
    from kc_domain.organisation.hours import OpeningHours

    closed = OpeningHours(closed_on_holidays=False)
    h = Harness(
        [queue(SALES, hours=closed, overflow=(OverflowKind.IVR, "noc"))], [agent(1, SALES)], ivr=DIRECTORY
    )
    call = h.arrive()
    assert h.said(call) == ["Máme zavřeno."]
    assert h.events(ev.CallEnteredIvr)[0].tree == "noc"


@pytest.mark.req("IN-01")
def test_a_caller_rule_choosing_a_queue_skips_the_tree():
    from kc_domain.routing.rules import CallerRule

    rule = CallerRule("vip", numbers=frozenset({"+420777000111"}), priority=1, queue_id=SALES)
    h = harness(rules=[rule])
    h.ready(1)
    call = h.arrive(caller="+420777000111", dialled=DID)
    assert h.at(call) == 1 and not h.events(ev.CallEnteredIvr)
