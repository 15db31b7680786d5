"""IVR trees to and from plain data (JSON/YAML import and export later) (IN-06, ADM-11)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc_domain.errors import ValidationFailed
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
    node_to_plain,
    tree_from_plain,
    tree_to_plain,
)

pytestmark = pytest.mark.req("IN-06", "ADM-11")

ALL_KINDS = IvrTree(
    "main",
    3,
    "menu",
    (
        Menu(id="menu", prompt=Prompt("Vítejte", "w.wav"), choices={"1": "ask", "#": "bye"}, on_fail="bye"),
        Play(id="play", prompt=Prompt(audio="x.wav"), next="bye"),
        CollectDigits(id="ask", into="rc", validator="insurance_number", min_len=9, next="find"),
        Condition(id="cond", kind="variable", name="lang", value="en", then="bye", otherwise="bye"),
        Lookup(id="find", source="crm", key="rc", into="client", next="tag", on_missing="bye"),
        SetTag(id="tag", key="rc", value="{rc}", next="q"),
        RouteToQueue(id="q", queue_ids=(2, 1), otherwise="vm"),
        Transfer(id="t", number="+420800111222"),
        Voicemail(id="vm", box="general"),
        Callback(id="cb", queue_id=2),
        GotoTree(id="g", tree="claims"),
        HangUp(id="bye"),
    ),
)


def test_every_node_kind_survives_json() -> None:
    plain = tree_to_plain(ALL_KINDS)
    assert tree_from_plain(json.loads(json.dumps(plain))) == ALL_KINDS
    assert plain["nodes"][0] == {
        "type": "menu",
        "id": "menu",
        "prompt": {"text": "Vítejte", "audio": "w.wav"},
        "choices": {"1": "ask", "#": "bye"},
        "timeout_s": 5,
        "retries": 2,
        "on_timeout": "",
        "on_invalid": "",
        "on_fail": "bye",
    }


def test_defaults_may_be_left_out_and_a_prompt_may_be_plain_text() -> None:
    data = {
        "name": "x",
        "version": 1,
        "start": "p",
        "nodes": [{"type": "play", "id": "p", "prompt": "Ahoj", "next": "h"}, {"type": "hang_up", "id": "h"}],
    }
    t = tree_from_plain(data)
    assert t.nodes == (Play(id="p", prompt=Prompt("Ahoj"), next="h"), HangUp(id="h"))


def fields(data: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as raised:
        tree_from_plain(data)
    return [(e.field, e.code) for e in raised.value.errors]


def test_malformed_input_is_rejected_with_field_paths() -> None:
    assert fields([]) == [("tree", "invalid_type")]
    assert fields({}) == [
        ("name", "required"),
        ("version", "required"),
        ("start", "required"),
        ("nodes", "required"),
    ]
    good = tree_to_plain(ALL_KINDS)
    bad = json.loads(json.dumps(good))
    bad["colour"] = "blue"
    bad["version"] = "3"
    bad["nodes"][0]["choices"] = {"1": 2}
    bad["nodes"][1]["prompt"] = {"text": "x", "volume": 3}
    bad["nodes"][2]["min_len"] = True
    bad["nodes"][3] = {"type": "teleport", "id": "x"}
    del bad["nodes"][4]["source"]
    bad["nodes"][5]["extra"] = 1
    bad["nodes"][6]["queue_ids"] = [1, "2"]
    bad["nodes"][7] = "hang up"
    assert fields(bad) == [
        ("colour", "unknown_field"),
        ("version", "invalid_type"),
        ("nodes[0].choices", "invalid_type"),
        ("nodes[1].prompt", "invalid_type"),
        ("nodes[2].min_len", "invalid_type"),
        ("nodes[3].type", "invalid_choice"),
        ("nodes[4].source", "required"),
        ("nodes[5].extra", "unknown_field"),
        ("nodes[6].queue_ids", "invalid_type"),
        ("nodes[7]", "invalid_type"),
    ]
    assert fields({"name": "x", "version": 1, "start": "a", "nodes": "a"}) == [("nodes", "invalid_type")]


# --- hypothesis ---------------------------------------------------------------------------------------

ids = st.text("abcdefgh_", min_size=1, max_size=6)
texts = st.text(max_size=30)
small = st.integers(min_value=-5, max_value=1000)
prompts = st.builds(Prompt, texts, texts)
digits = st.sampled_from(list("0123456789*#"))

nodes: st.SearchStrategy[Node] = st.one_of(
    st.builds(
        Menu,
        id=ids,
        prompt=prompts,
        choices=st.dictionaries(digits, ids, max_size=4),
        timeout_s=small,
        retries=small,
        on_timeout=ids,
        on_invalid=st.just(""),
        on_fail=ids,
    ),
    st.builds(Play, id=ids, prompt=prompts, next=ids),
    st.builds(
        CollectDigits,
        id=ids,
        prompt=prompts,
        min_len=small,
        max_len=small,
        validator=st.sampled_from(["none", "insurance_number", "ico", "date", "bogus"]),
        into=ids,
        next=ids,
        on_invalid=ids,
        retries=small,
        timeout_s=small,
    ),
    st.builds(Condition, id=ids, kind=texts, value=texts, name=texts, then=ids, otherwise=ids),
    st.builds(Lookup, id=ids, source=texts, key=ids, into=ids, next=ids, on_missing=ids),
    st.builds(SetTag, id=ids, key=texts, value=texts, next=ids),
    st.builds(RouteToQueue, id=ids, queue_ids=st.lists(small, max_size=4), otherwise=ids),
    st.builds(Transfer, id=ids, number=texts),
    st.builds(Voicemail, id=ids, box=texts),
    st.builds(Callback, id=ids, queue_id=small),
    st.builds(GotoTree, id=ids, tree=texts),
    st.builds(HangUp, id=ids),
)
trees = st.builds(IvrTree, texts, small, ids, st.lists(nodes, max_size=8))


@settings(max_examples=200, deadline=None)
@given(trees)
def test_any_tree_round_trips_through_json(tree: IvrTree) -> None:
    plain = json.loads(json.dumps(tree_to_plain(tree)))
    assert tree_from_plain(plain) == tree
    assert tree_to_plain(tree_from_plain(plain)) == plain


@given(nodes)
def test_node_plain_has_every_field(node: Node) -> None:
    plain = node_to_plain(node)
    assert plain["id"] == node.id and "type" in plain
