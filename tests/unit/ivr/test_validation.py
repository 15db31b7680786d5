"""Validation of IVR trees before publishing (ADM-11) and the Czech number validators."""

from __future__ import annotations

import pytest

from kc_domain.errors import FieldError
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
    Voicemail,
)
from kc_domain.ivr.validation import is_valid_date, is_valid_ico, is_valid_insurance_number, problems
from tests.unit.ivr.support import tree, valid_ico, valid_insurance_number

pytestmark = pytest.mark.req("ADM-11")

TREES = {"main", "claims"}
QUEUES = {1, 2, 3}


def codes(t: object) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in problems(t, TREES, QUEUES)]  # type: ignore[arg-type]


def test_a_good_tree_has_no_problems() -> None:
    t = tree(
        "menu",
        Menu(id="menu", prompt=Prompt("1 nebo 2"), choices={"1": "q", "2": "ask", "*": "menu"}, on_fail="vm"),
        CollectDigits(id="ask", into="ico", validator="ico", min_len=8, max_len=8, next="find"),
        Lookup(id="find", source="ares", key="ico", into="firm", next="tag", on_missing="vm"),
        SetTag(id="tag", key="firm", value="{firm}", next="open"),
        Condition(id="open", kind="open", value="2", then="q2", otherwise="cb"),
        RouteToQueue(id="q", queue_ids=(1, 2)),
        RouteToQueue(id="q2", queue_ids=(2,)),
        Callback(id="cb", queue_id=3),
        Voicemail(id="vm", box="general"),
    )
    assert problems(t, TREES, QUEUES) == []


def test_start_must_exist() -> None:
    assert ("start", "unknown_node") in codes(tree("nope", HangUp(id="a")))


def test_references_must_exist() -> None:
    t = tree("m", Menu(id="m", choices={"1": "gone"}, on_fail="lost"), Play(id="p", next=""))
    found = codes(t)
    assert ("nodes[0].choices[1]", "unknown_node") in found
    assert ("nodes[0].on_fail", "unknown_node") in found
    assert ("nodes[1].next", "required") in found


def test_unreachable_nodes() -> None:
    t = tree("a", HangUp(id="a"), HangUp(id="island"))
    assert codes(t) == [("nodes[1]", "unreachable")]


def test_unknown_queues_and_trees() -> None:
    t = tree(
        "c",
        Condition(id="c", kind="open", value="9", then="q", otherwise="g"),
        RouteToQueue(id="q", queue_ids=(1, 8)),
        GotoTree(id="g", tree="nowhere"),
        Callback(id="cb", queue_id=7),
    )
    found = codes(t)
    assert ("nodes[0].value", "unknown_queue") in found
    assert ("nodes[1].queue_ids", "unknown_queue") in found
    assert ("nodes[2].tree", "unknown_tree") in found
    assert ("nodes[3].queue_id", "unknown_queue") in found
    assert problems(tree("q", RouteToQueue(id="q", queue_ids=(1, 8))), TREES, QUEUES) == [
        FieldError("nodes[0].queue_ids", "unknown_queue", {"queue": 8})
    ]


def test_duplicate_ids_and_empty_ids() -> None:
    found = codes(tree("a", Play(id="a", next="a2"), HangUp(id="a2"), HangUp(id="a2"), HangUp(id="")))
    assert ("nodes[2].id", "duplicate") in found
    assert ("nodes[3].id", "required") in found


def test_menus_need_choices_with_dtmf_keys() -> None:
    assert ("nodes[0].choices", "empty") in codes(tree("m", Menu(id="m")))
    found = codes(tree("m", Menu(id="m", choices={"1": "h", "A": "h", "12": "h", "#": "h"}), HangUp(id="h")))
    assert found == [("nodes[0].choices", "invalid_digit"), ("nodes[0].choices", "invalid_digit")]


def test_number_fields() -> None:
    found = codes(
        tree(
            "m",
            Menu(id="m", choices={"1": "c"}, timeout_s=0, retries=-1),
            CollectDigits(id="c", min_len=0, max_len=-1, validator="rc", into="", next="h", timeout_s=0),
            HangUp(id="h"),
        )
    )
    for expected in [
        ("nodes[0].timeout_s", "too_small"),
        ("nodes[0].retries", "too_small"),
        ("nodes[1].min_len", "too_small"),
        ("nodes[1].max_len", "too_small"),
        ("nodes[1].validator", "invalid_choice"),
        ("nodes[1].into", "required"),
        ("nodes[1].timeout_s", "too_small"),
    ]:
        assert expected in found
    assert ("nodes[0].queue_ids", "required") in codes(tree("q", RouteToQueue(id="q", queue_ids=())))
    assert ("name", "required") in codes(tree("h", HangUp(id="h"), name=""))


@pytest.mark.parametrize(
    ("kind", "value", "name", "error"),
    [
        ("weather", "", "", ("nodes[0].kind", "invalid_choice")),
        ("time", "8-17", "", ("nodes[0].value", "invalid_interval")),
        ("time", "", "", ("nodes[0].value", "required")),
        ("caller", "^(+420", "", ("nodes[0].value", "invalid_regex")),
        ("caller", "", "", ("nodes[0].value", "required")),
        ("status", "", "", ("nodes[0].value", "required")),
        ("variable", "x", "", ("nodes[0].name", "required")),
        ("open", "abc", "", ("nodes[0].value", "unknown_queue")),
    ],
)
def test_condition_values(kind: str, value: str, name: str, error: tuple[str, str]) -> None:
    t = tree(
        "c", Condition(id="c", kind=kind, value=value, name=name, then="h", otherwise="h"), HangUp(id="h")
    )
    assert codes(t) == [error]


def test_loops_without_exit_are_found() -> None:
    t = tree(
        "a",
        Play(id="a", next="b"),
        Condition(id="b", kind="status", value="vip", then="a", otherwise="c"),
        SetTag(id="c", key="k", next="a"),
    )
    assert codes(t) == [(f"nodes[{i}]", "loop_without_exit") for i in range(3)]
    self_loop = tree("s", SetTag(id="s", key="k", next="s"))
    assert codes(self_loop) == [("nodes[0]", "loop_without_exit")]


def test_loops_with_an_exit_are_fine() -> None:
    # the menu loops back to itself, but a key (or giving up: hang up) leaves the tree
    t = tree("m", Menu(id="m", choices={"1": "p", "2": "h"}), Play(id="p", next="m"), HangUp(id="h"))
    assert codes(t) == []
    # a menu whose every branch loops still ends: after the retries the caller is hung up
    assert codes(tree("m", Menu(id="m", choices={"1": "p"}), Play(id="p", next="m"))) == []
    # ...unless on_fail leads back into the loop
    t = tree("m", Menu(id="m", choices={"1": "p"}, on_fail="p"), Play(id="p", next="m"))
    assert codes(t) == [("nodes[0]", "loop_without_exit"), ("nodes[1]", "loop_without_exit")]


@pytest.mark.parametrize(
    "number",
    [
        "7801233540",  # divisible by 11
        "780123/3540",
        valid_insurance_number("736028516"),  # a woman (month + 50)
        valid_insurance_number("045101001"),  # born 2004, month + 50
        valid_insurance_number("042101001"),  # born 2004, month + 20 (since 2004)
        "7801010020",  # the exception: 780101002 % 11 == 10, check digit 0
        "450101123",  # 9 digits, born 1945
    ],
)
def test_valid_insurance_numbers(number: str) -> None:
    assert is_valid_insurance_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "7801233541",
        "7801010021",
        valid_insurance_number("801301123"),
        valid_insurance_number("800230123"),
        valid_insurance_number("802101123"),
        "550101123",
        "78012335401",
        "78/0123/3540",
        "",
        "७८०१२३३५४०",  # non-ASCII digits
    ],
)
def test_invalid_insurance_numbers(number: str) -> None:
    assert not is_valid_insurance_number(number)


def test_ico() -> None:
    # 25596641: 2*8+5*7+5*6+9*5+6*4+6*3+4*2 = 176; 176 % 11 = 0 -> check digit (11 - 0) % 10 = 1
    assert is_valid_ico("25596641")
    assert valid_ico("0000003") == "00000035"  # 3*2 = 6 -> 11 - 6 = 5
    assert is_valid_ico("00000060")  # 6*2 = 12, remainder 1 -> check digit 0
    assert is_valid_ico("00000051")  # 5*2 = 10, remainder 10 -> check digit 1
    assert is_valid_ico(valid_ico("1234567"))
    for bad in ["25596642", "2559664", "255966410", "2559664a", ""]:
        assert not is_valid_ico(bad)


def test_dates() -> None:
    assert is_valid_date("29022024")
    assert not is_valid_date("29022023")
    assert not is_valid_date("1.1.2024")


@pytest.mark.req("ADM-11", "IN-06")
@pytest.mark.parametrize("audio", ["../../../../etc/passwd", "/etc/passwd", "vitejte.wav", "Vitejte", "a b"])
def test_a_prompts_recording_is_named_like_an_uploaded_recording_never_a_path(audio: str) -> None:
    t = tree(
        "welcome",
        Play(id="welcome", prompt=Prompt("Vítejte", audio), next="bye"),
        Play(id="bye", prompt=Prompt(audio="rozlouceni-2026"), next="end"),
        HangUp(id="end"),
    )
    assert codes(t) == [("nodes[0].prompt.audio", "bad_prompt_name")]
