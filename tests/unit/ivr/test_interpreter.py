"""The IVR interpreter: every node kind, DTMF menus with retries, digit collection, conditions, lookups,
placeholders, route order, tags, goto tree, statistics, loop guard and determinism."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kc_domain.errors import DomainError
from kc_domain.ivr.interpreter import (
    MAX_STEPS,
    Action,
    Hangup,
    IvrLoop,
    IvrStateError,
    JumpTree,
    NeedLookup,
    NodeStats,
    PlayPrompt,
    RequestCallback,
    Route,
    StartTimer,
    Tag,
    ToVoicemail,
    TransferTo,
    fill,
)
from kc_domain.ivr.model import (
    Callback,
    CollectDigits,
    Condition,
    GotoTree,
    HangUp,
    Lookup,
    Menu,
    Play,
    Prompt,
    RouteToQueue,
    SetTag,
    Transfer,
    Voicemail,
)
from tests.unit.ivr.support import NOW, prague, session, tree, valid_ico, valid_insurance_number

HELLO = Prompt("Dobrý den, vítá vás zdravotní pojišťovna.", "welcome.wav")
MENU = Prompt("Pro pojištěnce stiskněte 1, pro plátce 2.")


def menu_tree(**menu: object) -> object:
    return tree(
        "menu",
        Menu(id="menu", prompt=MENU, choices={"1": "q1", "2": "q2"}, **menu),  # type: ignore[arg-type]
        RouteToQueue(id="q1", queue_ids=(1,)),
        RouteToQueue(id="q2", queue_ids=(2,)),
        Play(id="sorry", prompt=Prompt("Nerozuměl jsem."), next="menu"),
        Voicemail(id="vm", box="general"),
    )


# --- terminal nodes -----------------------------------------------------------------------------------


@pytest.mark.req("IN-06")
@pytest.mark.parametrize(
    ("node", "action"),
    [
        (Transfer(id="n", number="+420800123456"), TransferTo("+420800123456")),
        (Voicemail(id="n", box="claims"), ToVoicemail("claims")),
        (Callback(id="n", queue_id=7), RequestCallback(7)),
        (HangUp(id="n"), Hangup()),
        (RouteToQueue(id="n", queue_ids=(3,)), Route((3,))),
    ],
)
def test_terminal_nodes_end_the_session_with_their_action(node: object, action: Action) -> None:
    s = session(tree("n", node))  # type: ignore[arg-type]
    assert s.start(NOW) == [action]
    assert s.finished and s.outcome == action
    assert s.stats["n"] == NodeStats(entries=1, exits=1)
    assert s.on_digits("1", NOW) == [] and s.on_timeout(NOW) == [] and s.on_prompt_finished(NOW) == []


@pytest.mark.req("IN-24")
def test_goto_tree_asks_the_host_to_start_the_other_tree() -> None:
    s = session(tree("g", GotoTree(id="g", tree="claims")))
    assert s.start(NOW) == [JumpTree("claims")]
    assert s.finished


@pytest.mark.req("IN-06")
def test_play_waits_for_the_prompt_then_goes_on() -> None:
    s = session(tree("hello", Play(id="hello", prompt=HELLO, next="bye"), HangUp(id="bye")))
    assert s.start(NOW) == [PlayPrompt(HELLO.text, "welcome.wav")]
    assert s.on_digits("5", NOW) == []  # no barge-in on a Play
    assert s.on_timeout(NOW) == []
    assert s.on_prompt_finished(NOW) == [Hangup()]


@pytest.mark.req("IN-06")
def test_play_without_a_prompt_passes_straight_through() -> None:
    s = session(tree("p", Play(id="p", next="bye"), HangUp(id="bye")))
    assert s.start(NOW) == [Hangup()]


def test_start_twice_is_refused_and_naive_times_rejected() -> None:
    s = session(tree("bye", HangUp(id="bye")))
    with pytest.raises(ValueError, match="timezone-aware"):
        s.start(datetime(2026, 3, 11, 10, 0))
    s = session(tree("bye", HangUp(id="bye")))
    s.start(NOW)
    with pytest.raises(IvrStateError):
        s.start(NOW)


# --- menus --------------------------------------------------------------------------------------------


@pytest.mark.req("IN-06")
def test_menu_plays_then_starts_the_timer_and_routes_on_a_key() -> None:
    s = session(menu_tree())  # type: ignore[arg-type]
    assert s.start(NOW) == [PlayPrompt(MENU.text)]
    assert s.on_prompt_finished(NOW) == [StartTimer(5)]
    assert s.on_digits("2", NOW) == [Route((2,))]
    assert s.stats["menu"].choices == {"2": 1}
    assert s.stats["menu"].exits == 1


@pytest.mark.req("IN-06")
def test_menu_accepts_a_key_during_the_prompt() -> None:
    s = session(menu_tree())  # type: ignore[arg-type]
    s.start(NOW)
    assert s.on_timeout(NOW) == []  # no timer runs while the prompt plays
    assert s.on_digits("1", NOW) == [Route((1,))]


@pytest.mark.req("IN-06")
def test_menu_timeout_repeats_then_gives_up_to_on_fail() -> None:
    s = session(menu_tree(retries=2, timeout_s=4, on_fail="vm"))  # type: ignore[arg-type]
    s.start(NOW)
    assert s.on_prompt_finished(NOW) == [StartTimer(4)]
    for _ in range(2):
        assert s.on_timeout(NOW) == [PlayPrompt(MENU.text)]
        assert s.on_prompt_finished(NOW) == [StartTimer(4)]
    assert s.on_timeout(NOW) == [ToVoicemail("general")]
    assert s.stats["menu"].timeouts == 3
    assert s.stats["menu"].entries == 3


@pytest.mark.req("IN-06")
def test_menu_without_on_fail_hangs_up_after_the_retries() -> None:
    s = session(menu_tree(retries=0))  # type: ignore[arg-type]
    s.start(NOW)
    s.on_prompt_finished(NOW)
    assert s.on_timeout(NOW) == [Hangup()]


@pytest.mark.req("IN-06")
def test_invalid_key_goes_via_on_invalid_and_counts_as_an_attempt() -> None:
    s = session(menu_tree(retries=1, on_invalid="sorry", on_fail="vm"))  # type: ignore[arg-type]
    s.start(NOW)
    assert s.on_digits("9", NOW) == [PlayPrompt("Nerozuměl jsem.")]
    assert s.on_prompt_finished(NOW) == [PlayPrompt(MENU.text)]
    assert s.on_digits("*", NOW) == [ToVoicemail("general")]
    assert s.stats["menu"].invalid == 2
    assert s.stats["sorry"].entries == 1


@pytest.mark.req("IN-06")
def test_on_timeout_detour_and_a_good_key_resets_the_attempts() -> None:
    s = session(menu_tree(retries=1, on_timeout="sorry"))  # type: ignore[arg-type]
    s.start(NOW)
    s.on_prompt_finished(NOW)
    assert s.on_timeout(NOW) == [PlayPrompt("Nerozuměl jsem.")]
    s.on_prompt_finished(NOW)
    s.on_prompt_finished(NOW)
    assert s.on_digits("1", NOW) == [Route((1,))]
    assert s._attempts == {}


@pytest.mark.req("IN-06")
def test_menu_without_a_prompt_starts_the_timer_at_once() -> None:
    s = session(tree("m", Menu(id="m", choices={"#": "bye"}, timeout_s=3), HangUp(id="bye")))
    assert s.start(NOW) == [StartTimer(3)]
    assert s.on_digits("#", NOW) == [Hangup()]


# --- collecting digits ----------------------------------------------------------------------------------


def collect_tree(validator: str, min_len: int = 1, max_len: int = 10, retries: int = 1) -> object:
    return tree(
        "ask",
        CollectDigits(
            id="ask",
            prompt=Prompt("Zadejte číslo a potvrďte mřížkou."),
            min_len=min_len,
            max_len=max_len,
            validator=validator,
            into="number",
            next="tag",
            on_invalid="vm",
            retries=retries,
            timeout_s=6,
        ),
        SetTag(id="tag", key="number", value="{number}", next="q"),
        RouteToQueue(id="q", queue_ids=(1,)),
        Voicemail(id="vm", box="general"),
    )


VALID_RC = [
    valid_insurance_number("800101123"),
    valid_insurance_number("855315000"),
    "7801010020",
    "450101123",
]
INVALID_RC = [
    "8001011239",  # not divisible by 11
    valid_insurance_number("801301123"),  # month 13
    valid_insurance_number("800230123"),  # 30 February
    valid_insurance_number("802101123"),  # month +20 only since 2004
    "550101123",  # 9 digits only before 1954
    "123",
    "800101123X",
]
VALID_ICO = ["25596641", valid_ico("4711223"), valid_ico("0000001"), valid_ico("1234567")]
INVALID_ICO = ["25596642", "2559664", "255966411", "abcdefgh"]


@pytest.mark.req("IN-06")
@pytest.mark.parametrize(
    ("validator", "entry"),
    [("insurance_number", v) for v in VALID_RC]
    + [("ico", v) for v in VALID_ICO]
    + [("date", "29022024"), ("none", "42")],
)
def test_collect_digits_accepts_valid_numbers_and_stores_them(validator: str, entry: str) -> None:
    s = session(collect_tree(validator))  # type: ignore[arg-type]
    s.start(NOW)
    s.on_prompt_finished(NOW)
    assert s.on_digits(entry + "#", NOW) == [Tag("number", entry), Route((1,))]
    assert s.variables["number"] == entry
    assert s.tags == {"number": entry}


@pytest.mark.req("IN-06")
@pytest.mark.parametrize(
    ("validator", "entry"),
    [("insurance_number", v) for v in INVALID_RC]
    + [("ico", v) for v in INVALID_ICO]
    + [("date", "30022024"), ("date", "2024")],
)
def test_collect_digits_rejects_invalid_numbers_then_gives_up(validator: str, entry: str) -> None:
    s = session(collect_tree(validator, retries=1))  # type: ignore[arg-type]
    s.start(NOW)
    assert s.on_digits(entry + "#", NOW) == [PlayPrompt("Zadejte číslo a potvrďte mřížkou.")]
    assert s.on_digits(entry + "#", NOW) == [ToVoicemail("general")]
    assert "number" not in s.variables
    assert s.stats["ask"].invalid == 2


@pytest.mark.req("IN-06")
def test_collect_digits_in_pieces_max_length_and_timeout() -> None:
    s = session(collect_tree("none", min_len=2, max_len=4))  # type: ignore[arg-type]
    s.start(NOW)
    s.on_prompt_finished(NOW)
    assert s.on_digits("12", NOW) == [StartTimer(6)]
    assert s.on_digits("34", NOW) == [Tag("number", "1234"), Route((1,))]  # max length ends the entry

    s = session(collect_tree("none", min_len=2, max_len=4))  # type: ignore[arg-type]
    s.start(NOW)
    s.on_prompt_finished(NOW)
    s.on_digits("56", NOW)
    assert s.on_timeout(NOW) == [Tag("number", "56"), Route((1,))]  # enough digits: a timeout confirms

    s = session(collect_tree("none", min_len=2, max_len=4, retries=0))  # type: ignore[arg-type]
    s.start(NOW)
    s.on_prompt_finished(NOW)
    s.on_digits("5", NOW)
    assert s.on_timeout(NOW) == [ToVoicemail("general")]


@pytest.mark.req("IN-06")
def test_collect_digits_without_on_invalid_hangs_up() -> None:
    t = tree("a", CollectDigits(id="a", into="x", next="b", retries=0), HangUp(id="b"))
    s = session(t)
    assert s.start(NOW) == [StartTimer(5)]
    assert s.on_digits("*#", NOW) == [Hangup()]


# --- conditions ---------------------------------------------------------------------------------------


def cond_tree(kind: str, value: str = "", name: str = "") -> object:
    return tree(
        "c",
        Condition(id="c", kind=kind, value=value, name=name, then="yes", otherwise="no"),
        Transfer(id="yes", number="yes"),
        Transfer(id="no", number="no"),
    )


def branch(kind: str, value: str = "", name: str = "", at: datetime = NOW, **kwargs: object) -> str:
    variables = kwargs.pop("variables", None)
    s = session(cond_tree(kind, value, name), variables, **kwargs)  # type: ignore[arg-type]
    (action,) = s.start(at)
    assert isinstance(action, TransferTo)
    return action.number


@pytest.mark.req("IN-06")
def test_condition_time_is_judged_in_prague_time() -> None:
    hours = "08:00-12:00, 13:00-17:00"
    assert branch("time", hours, at=prague(2026, 3, 11, 8, 0)) == "yes"
    assert branch("time", hours, at=prague(2026, 3, 11, 12, 30)) == "no"
    assert branch("time", hours, at=prague(2026, 3, 11, 16, 59)) == "yes"
    # 07:30 UTC is 08:30 in Prague in winter (CET) but 09:30 in summer (CEST)
    assert branch("time", "08:00-09:00", at=datetime(2026, 1, 5, 7, 30, tzinfo=UTC)) == "yes"
    assert branch("time", "08:00-09:00", at=datetime(2026, 7, 6, 7, 30, tzinfo=UTC)) == "no"


@pytest.mark.req("IN-06")
def test_condition_open_asks_the_host() -> None:
    assert branch("open", "4", open_queues={4}) == "yes"
    assert branch("open", "4", open_queues={5}) == "no"


@pytest.mark.req("IN-06")
def test_condition_caller_prefix_or_regex() -> None:
    assert branch("caller", "+420777", caller="+420777123456") == "yes"
    assert branch("caller", "+421", caller="+420777123456") == "no"
    assert branch("caller", r"^\+4207\d{8}$", caller="+420777123456") == "yes"
    assert branch("caller", r"^\+4202", caller="+420777123456") == "no"


@pytest.mark.req("IN-06")
def test_condition_status_and_variable() -> None:
    assert branch("status", "vip", statuses=frozenset({"vip"})) == "yes"
    assert branch("status", "vip", statuses=frozenset({"debtor"})) == "no"
    assert branch("variable", "cz", "lang", variables={"lang": "cz"}) == "yes"
    assert branch("variable", "cz", "lang", variables={"lang": "en"}) == "no"
    assert branch("variable", "cz", "lang") == "no"


def test_unknown_condition_kind_is_a_domain_error() -> None:
    with pytest.raises(DomainError, match="unknown condition"):
        branch("weather", "sunny")


@pytest.mark.req("IN-06")
def test_opening_hours_condition_routes_to_the_open_queue_or_voicemail() -> None:
    """A typical tree: within office hours route, otherwise leave a message."""
    t = tree(
        "hours",
        Condition(id="hours", kind="time", value="08:00-17:00", then="q", otherwise="vm"),
        RouteToQueue(id="q", queue_ids=(1,)),
        Voicemail(id="vm", box="after-hours"),
    )
    assert session(t).start(prague(2026, 3, 11, 16, 59)) == [Route((1,))]
    assert session(t).start(prague(2026, 3, 11, 17, 0)) == [ToVoicemail("after-hours")]
    later = NOW + timedelta(hours=9)
    assert session(t).start(later) == [ToVoicemail("after-hours")]


# --- lookups and TTS text -----------------------------------------------------------------------------


def lookup_tree() -> object:
    return tree(
        "ask",
        CollectDigits(id="ask", min_len=9, max_len=10, validator="insurance_number", into="rc", next="find"),
        Lookup(id="find", source="claims", key="rc", into="claim", next="say", on_missing="none"),
        Play(
            id="say", prompt=Prompt("Vaše žádost číslo {claim.number} je ve stavu {claim.state}."), next="q"
        ),
        Play(id="none", prompt=Prompt("Žádost jsme nenašli, {missing}přepojujeme."), next="q"),
        RouteToQueue(id="q", queue_ids=(1,)),
    )


@pytest.mark.req("IN-07")
def test_lookup_found_fills_the_tts_text() -> None:
    rc = valid_insurance_number("800101123")
    s = session(lookup_tree())  # type: ignore[arg-type]
    s.start(NOW)
    assert s.on_digits(rc, NOW) == [NeedLookup("claims", rc)]
    assert s.on_digits("1", NOW) == []  # waiting for the host
    actions = s.on_lookup({"number": "2026/17", "state": "vyřízeno"}, NOW)
    assert actions == [PlayPrompt("Vaše žádost číslo 2026/17 je ve stavu vyřízeno.")]
    assert s.on_prompt_finished(NOW) == [Route((1,))]
    assert s.variables["claim"] == "1"


@pytest.mark.req("IN-07")
@pytest.mark.parametrize("missing", [None, "", {}])
def test_lookup_missing_goes_to_on_missing(missing: object) -> None:
    s = session(lookup_tree())  # type: ignore[arg-type]
    s.start(NOW)
    s.on_digits(valid_insurance_number("800101123"), NOW)
    assert s.on_lookup(missing, NOW) == [PlayPrompt("Žádost jsme nenašli, přepojujeme.")]  # type: ignore[arg-type]


@pytest.mark.req("IN-07")
def test_lookup_string_result_and_unasked_results_refused() -> None:
    t = tree(
        "find",
        Lookup(id="find", source="crm", key="caller", into="name", next="hi", on_missing="hi"),
        Play(id="hi", prompt=Prompt("Dobrý den, {name}. Jste {position}. v pořadí."), next="q"),
        RouteToQueue(id="q", queue_ids=(1,)),
    )
    s = session(t, {"caller": "+420777123456"})
    assert s.start(NOW) == [NeedLookup("crm", "+420777123456")]
    s.set_variable("position", "3")
    assert s.on_lookup("paní Nováková", NOW) == [PlayPrompt("Dobrý den, paní Nováková. Jste 3. v pořadí.")]
    with pytest.raises(IvrStateError):
        s.on_lookup("again", NOW)


@pytest.mark.req("IN-07")
def test_placeholders() -> None:
    assert fill("Jste {position}. v pořadí", {"position": "2"}) == "Jste 2. v pořadí"
    assert fill("{a}{b.c}-{unknown}", {"a": "1", "b.c": "2"}) == "12-"
    assert fill("{ not a placeholder } {}", {}) == "{ not a placeholder } {}"


# --- routing order, tags ------------------------------------------------------------------------------


@pytest.mark.req("IN-19")
def test_route_keeps_the_configured_order_of_the_open_queues() -> None:
    t = tree("q", RouteToQueue(id="q", queue_ids=(3, 1, 2)))
    assert session(t).start(NOW) == [Route((3, 1, 2))]
    assert session(t, open_queues={1, 2}).start(NOW) == [Route((1, 2))]
    assert session(t, open_queues={2}).start(NOW) == [Route((2,))]
    assert session(t, open_queues=set()).start(NOW) == [Route((3, 1, 2))]  # queues' own closed handling


@pytest.mark.req("IN-19")
def test_route_with_none_open_goes_to_otherwise() -> None:
    t = tree("q", RouteToQueue(id="q", queue_ids=(3, 1), otherwise="vm"), Voicemail(id="vm", box="x"))
    assert session(t, open_queues=set()).start(NOW) == [ToVoicemail("x")]
    assert session(t, open_queues={1}).start(NOW) == [Route((1,))]


@pytest.mark.req("IN-25")
def test_tags_are_emitted_and_kept() -> None:
    t = tree(
        "t1",
        SetTag(id="t1", key="segment", value="payer", next="t2"),
        SetTag(id="t2", key="ico", value="{ico}", next="q"),
        RouteToQueue(id="q", queue_ids=(2,)),
    )
    s = session(t, {"ico": "25596641"})
    assert s.start(NOW) == [Tag("segment", "payer"), Tag("ico", "25596641"), Route((2,))]
    assert s.tags == {"segment": "payer", "ico": "25596641"}


# --- statistics, loop guard, determinism ----------------------------------------------------------------


def test_hangup_records_an_abandon_at_the_current_node() -> None:
    s = session(menu_tree())  # type: ignore[arg-type]
    s.start(NOW)
    s.on_prompt_finished(NOW)
    assert s.on_hangup(NOW) == []
    assert s.finished
    assert s.stats == {"menu": NodeStats(entries=1, abandons=1)}
    s.on_hangup(NOW)  # a second hang-up changes nothing
    assert s.stats["menu"].abandons == 1


def test_a_loop_without_waiting_raises_a_clear_error() -> None:
    t = tree(
        "a",
        SetTag(id="a", key="k", value="v", next="b"),
        Condition(id="b", kind="status", value="never", then="x", otherwise="a"),
        HangUp(id="x"),
    )
    with pytest.raises(IvrLoop, match="looped") as raised:
        session(t).start(NOW)
    assert raised.value.steps == MAX_STEPS


def test_a_dangling_reference_is_a_domain_error() -> None:
    with pytest.raises(DomainError, match="no node 'gone'"):
        session(tree("p", Play(id="p", next="gone"))).start(NOW)


@pytest.mark.req("IN-06")
def test_same_events_give_the_same_actions() -> None:
    def run() -> tuple[list[list[Action]], dict[str, NodeStats]]:
        s = session(menu_tree(retries=2, on_invalid="sorry", on_fail="vm"))  # type: ignore[arg-type]
        log = [s.start(NOW), s.on_digits("7", NOW), s.on_prompt_finished(NOW), s.on_prompt_finished(NOW)]
        log += [s.on_timeout(NOW), s.on_prompt_finished(NOW), s.on_digits("2", NOW)]
        return log, s.stats

    assert run() == run()
    assert run()[0][-1] == [Route((2,))]
