"""Call scripts per campaign (OUT-15): the model and its checks, the JSON form, running a script during
a call with Czech input, the diagram; and the questionnaire results over many runs (REP-10)."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc_domain.czech_input import parse_date, parse_number
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_checks import problems
from kc_domain.outbound.script_diagram import script_diagram, script_mermaid
from kc_domain.outbound.script_plain import script_from_plain, script_to_plain
from kc_domain.outbound.script_results import questionnaire_results
from kc_domain.outbound.script_run import RunState, ScriptRun
from kc_domain.outbound.scripts import AnswerType, Branch, CallScript, Choice, EndState, Question
from kc_domain.transitions import IllegalTransition

pytestmark = pytest.mark.req("OUT-15")

YES_NO = (Choice("yes", "Ano"), Choice("no", "Ne"))


def asks(question_id: str, text: str, *options: tuple[str, str, str]) -> Question:
    """A choice question; each option is its key, its label and where it leads."""
    return Question(
        id=question_id,
        text=text,
        type=AnswerType.CHOICE,
        choices=[Choice(key, label) for key, label, _ in options],
        branches=[Branch(choice=key, next=target) for key, _, target in options],
    )


def prevention() -> CallScript:
    """An invitation to a free preventive check-up, as OZP's prevention campaign would call it."""
    return CallScript(
        name="Prevence 2026",
        start="person",
        questions=[
            asks(
                "person",
                "Hovořím s panem Novákem?",
                ("yes", "Ano", "interest"),
                ("not_home", "Není doma", "call_again"),
                ("wrong", "Špatné číslo", "wrong_number"),
            ),
            asks(
                "interest",
                "Máte zájem o preventivní prohlídku zdarma?",
                ("yes", "Ano", "age"),
                ("no", "Ne", "refused"),
                ("later", "Později", "call_again"),
            ),
            Question(
                id="age",
                text="Kolik je vám let?",
                type=AnswerType.NUMBER,
                min=Decimal(18),
                max=Decimal(120),
                integer=True,
                branches=[Branch(low=Decimal(50), next="colonoscopy")],
                next="visit",
            ),
            Question(
                id="colonoscopy",
                text="Byl(a) jste v posledních deseti letech na kolonoskopii?",
                type=AnswerType.CHOICE,
                choices=YES_NO,
                next="visit",
            ),
            Question(id="visit", text="Který den vám vyhovuje?", type=AnswerType.DATE, next="note"),
            Question(id="note", text="Poznámka", type=AnswerType.TEXT, required=False, next="booked"),
            Question(
                id="call_again", text="Kdy můžeme zavolat znovu?", type=AnswerType.DATE, next="callback"
            ),
        ],
        ends=[
            EndState(id="booked", label="Objednán", outcome=Outcome.SUCCESS),
            EndState(id="refused", label="Nemá zájem", outcome=Outcome.REFUSED),
            EndState(id="callback", label="Zavolat později", outcome=Outcome.CALLBACK),
            EndState(id="wrong_number", label="Špatné číslo", outcome=Outcome.WRONG_NUMBER),
        ],
    )


def address_check() -> CallScript:
    """A loop with a way out: the address is asked until the client confirms it."""
    return CallScript(
        name="Ověření adresy",
        start="confirm",
        questions=[
            asks("confirm", "Je adresa správně?", ("yes", "Ano", "done"), ("no", "Ne", "address")),
            Question(id="address", text="Jaká je správná adresa?", type=AnswerType.TEXT, next="confirm"),
        ],
        ends=[EndState(id="done", label="Hotovo", outcome=Outcome.SUCCESS)],
    )


def with_question(script: CallScript, index: int, **changes: Any) -> CallScript:
    questions = list(script.questions)
    questions[index] = attrs.evolve(questions[index], **changes)
    return attrs.evolve(script, questions=questions)


def codes(script: CallScript) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in problems(script)]


# -- the checks: every bad script is refused with its own error ------------------------------------------
def test_a_good_script_has_no_problems() -> None:
    assert problems(prevention()) == []


def test_a_loop_with_a_way_out_is_accepted() -> None:
    assert problems(address_check()) == []


def test_unknown_targets_are_named() -> None:
    script = with_question(prevention(), 4, next="nowhere")
    script = attrs.evolve(script, start="nobody")
    found = problems(script)
    assert FieldError("questions[4].next", "unknown_target", {"target": "nowhere"}) in found
    assert FieldError("start", "unknown_question", {"target": "nobody"}) in found
    # without a valid start, the start's error says it once: no question is called unreachable
    assert "question_unreachable" not in {e.code for e in found}


def test_the_start_must_be_a_question_not_an_end() -> None:
    assert ("start", "unknown_question") in codes(attrs.evolve(prevention(), start="booked"))


def test_a_branch_must_lead_somewhere() -> None:
    script = with_question(prevention(), 0, branches=[Branch(choice="yes", next="")], next="interest")
    assert ("questions[0].branches[0].next", "required") in codes(script)


def test_unreachable_questions_and_end_states_are_refused() -> None:
    script = prevention()
    island = Question(id="island", text="Nikdo se sem nedostane", type=AnswerType.TEXT, next="booked")
    unused = EndState(id="unused", label="Nepoužitý", outcome=Outcome.INVALID)
    script = attrs.evolve(script, questions=[*script.questions, island], ends=[*script.ends, unused])
    assert problems(script) == [
        FieldError("questions[7]", "question_unreachable", {"question": "island"}),
        FieldError("ends[4]", "end_unreachable", {"end": "unused"}),
    ]


def test_a_loop_without_an_end_is_refused() -> None:
    # "visit" -> "note" -> back to "visit": no answer ever reaches an end state from there
    script = with_question(prevention(), 5, next="visit")
    assert ("questions[4]", "loop_without_end") in codes(script)
    assert ("questions[5]", "loop_without_end") in codes(script)
    assert ("questions[0]", "loop_without_end") not in codes(script)


def test_a_question_looping_on_itself_without_exit_is_refused() -> None:
    script = with_question(prevention(), 6, next="call_again")
    assert codes(script) == [("questions[6]", "loop_without_end"), ("ends[2]", "end_unreachable")]


def test_a_branch_for_a_choice_that_does_not_exist_is_refused() -> None:
    script = with_question(
        prevention(),
        1,
        branches=[Branch(choice="yes", next="age"), Branch(choice="maybe", next="refused")],
        next="call_again",
    )
    assert problems(script) == [
        FieldError("questions[1].branches[1].choice", "unknown_choice", {"choice": "maybe"})
    ]


def test_a_choice_question_needs_choices() -> None:
    script = with_question(prevention(), 3, choices=[])
    assert codes(script) == [("questions[3].choices", "no_choices")]


def test_duplicate_keys_are_refused() -> None:
    script = prevention()
    script = attrs.evolve(
        script,
        ends=[*script.ends, EndState(id="age", label="Shodné id s otázkou", outcome=Outcome.INVALID)],
    )
    script = with_question(
        script,
        1,
        choices=[
            Choice("yes", "Ano"),
            Choice("yes", "Ano znovu"),
            Choice("no", "Ne"),
            Choice("later", "Později"),
        ],
    )
    script = with_question(
        script, 0, branches=[*script.questions[0].branches, Branch(choice="yes", next="refused")]
    )
    found = problems(script)
    assert FieldError("ends[4].id", "duplicate", {"value": "age"}) in found
    assert FieldError("questions[1].choices[1].key", "duplicate", {"value": "yes"}) in found
    assert FieldError("questions[0].branches[3].choice", "duplicate", {"value": "yes"}) in found


def test_a_script_needs_an_end_state_and_a_question() -> None:
    script = CallScript(name="Prázdný", start="", questions=[], ends=[])
    assert codes(script) == [("questions", "no_questions"), ("ends", "no_end_state"), ("start", "required")]


def test_every_answer_needs_a_way_on() -> None:
    # a choice not branched, a number, an optional choice question and a text each need a default next
    script = with_question(prevention(), 1, branches=prevention().questions[1].branches[:2])
    assert problems(script) == [FieldError("questions[1].next", "missing_next", {"choices": ["later"]})]
    assert codes(with_question(prevention(), 2, next="")) == [("questions[2].next", "missing_next")]
    assert ("questions[0].next", "missing_next") in codes(with_question(prevention(), 0, required=False))
    assert ("questions[4].next", "missing_next") in codes(with_question(prevention(), 4, next=""))


def test_fields_that_do_not_fit_the_answer_type_are_refused() -> None:
    script = with_question(
        prevention(), 4, choices=YES_NO, min=Decimal(1), branches=[Branch(low=Decimal(1), next="note")]
    )
    script = with_question(script, 2, branches=[Branch(choice="yes", next="visit"), Branch(next="visit")])
    script = with_question(
        script, 0, branches=[*script.questions[0].branches, Branch(low=Decimal(1), next="refused")]
    )
    found = codes(script)
    assert ("questions[4].choices", "not_allowed") in found
    assert ("questions[4].min", "not_allowed") in found
    assert ("questions[4].branches", "not_allowed") in found
    assert ("questions[2].branches[0].choice", "not_allowed") in found
    assert ("questions[2].branches[1]", "no_condition") in found
    assert ("questions[0].branches[3].low", "not_allowed") in found


def test_ranges_and_bounds_must_not_be_upside_down() -> None:
    script = with_question(
        prevention(),
        2,
        min=Decimal(120),
        max=Decimal(18),
        branches=[Branch(low=Decimal(60), high=Decimal(50), next="colonoscopy")],
    )
    assert FieldError("questions[2].max", "too_small", {"min": 120}) in problems(script)
    assert FieldError("questions[2].branches[0].high", "too_small", {"min": 60}) in problems(script)


def test_keys_texts_and_names() -> None:
    script = with_question(attrs.evolve(prevention(), name=" "), 5, id="pozn ámka", text="")
    found = codes(script)
    assert ("name", "required") in found
    assert ("questions[5].id", "bad_key") in found
    assert ("questions[5].text", "required") in found
    assert ("questions[4].next", "unknown_target") in found


# -- the JSON form ---------------------------------------------------------------------------------------
def test_the_json_form_round_trips() -> None:
    script = with_question(
        prevention(), 2, branches=[Branch(low=Decimal("49.5"), high=Decimal(70), next="colonoscopy")]
    )
    text = json.dumps(script_to_plain(script), ensure_ascii=False)
    assert script_from_plain(json.loads(text)) == script
    plain = script_to_plain(script)
    assert plain["questions"][2]["min"] == 18 and plain["questions"][2]["branches"][0]["low"] == 49.5
    assert plain["ends"][0] == {"id": "booked", "label": "Objednán", "outcome": "success"}


def test_left_out_optional_fields_take_their_defaults() -> None:
    read = script_from_plain(
        {
            "name": "Krátký",
            "start": "q",
            "questions": [{"id": "q", "text": "Souhlasíte?", "type": "text", "next": "end"}],
            "ends": [{"id": "end", "label": "Konec", "outcome": "success"}],
        }
    )
    assert read.questions[0] == Question(id="q", text="Souhlasíte?", type=AnswerType.TEXT, next="end")
    assert problems(read) == []


def test_a_bad_json_form_is_refused_naming_every_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        script_from_plain(
            {
                "name": 5,
                "questions": [
                    {"id": "q", "text": "?", "type": "essay", "colour": "red"},
                    {"id": "n", "text": "?", "type": "number", "min": "10", "choices": [{"key": "a"}]},
                ],
                "ends": [{"id": "e", "label": "E", "outcome": "won"}, "end"],
            }
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("start", "required"),
        ("questions[0].colour", "unknown_field"),
        ("questions[0].type", "invalid_choice"),
        ("questions[1].choices[0].label", "required"),
        ("questions[1].min", "invalid_type"),
        ("ends[0].outcome", "invalid_choice"),
        ("ends[1]", "invalid_type"),
        ("name", "invalid_type"),
    ]
    with pytest.raises(ValidationFailed):
        script_from_plain([])


def test_the_examples_in_the_documentation_are_a_valid_script_and_its_answers() -> None:
    text = (Path(__file__).parents[3] / "docs" / "call-scripts.md").read_text(encoding="utf-8")
    script_json, answers_json = re.findall(r"```json\n(.*?)```", text, re.S)
    script = script_from_plain(json.loads(script_json))
    assert problems(script) == []
    run = ScriptRun.restore(script, json.loads(answers_json))
    assert run.outcome is Outcome.SUCCESS and run.to_plain() == json.loads(answers_json)


# -- Czech input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1 234,5", "1234.5"),
        ("1\u00a0234\u00a0567", "1234567"),
        ("1234,5", "1234.5"),
        ("1234.5", "1234.5"),
        (" -12 ", "-12"),
        ("−0,25", "-0.25"),
        ("0", "0"),
    ],
)
def test_czech_numbers(text: str, number: str) -> None:
    assert parse_number(text) == Decimal(number)


@pytest.mark.parametrize("text", ["", "12 34", "1.234,5", "1,234.5", "1,", "abc", "1e5", "--1"])
def test_not_numbers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["7. 12. 2026", "7.12.2026", "07. 12. 2026", "2026-12-07", " 7. 12.2026 "])
def test_czech_dates(text: str) -> None:
    assert parse_date(text) == date(2026, 12, 7)


@pytest.mark.parametrize("text", ["31. 2. 2026", "7. 12.", "12/7/2026", "7. 12. 26", "2026-13-01", ""])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


# -- running a script ------------------------------------------------------------------------------------
def test_given_answers_the_run_follows_the_branches_to_an_end_and_its_outcome() -> None:
    run = ScriptRun.begin(prevention())
    assert run.current is not None and run.current.id == "person"
    for question_id, typed in [("person", "yes"), ("interest", "yes"), ("age", "62")]:
        run = run.answer(question_id, typed).run
    assert run.path == ("person", "interest", "age", "colonoscopy")
    run = run.answer("colonoscopy", "no").run.answer("visit", "7. 12. 2026").run
    assert run.current is not None and run.current.id == "note" and not run.finished
    run = run.answer("note", "").run  # an optional question is skipped by empty input
    assert run.finished and run.end is not None and run.end.id == "booked"
    assert run.outcome is Outcome.SUCCESS
    assert run.to_plain() == {
        "person": "yes",
        "interest": "yes",
        "age": 62,
        "colonoscopy": "no",
        "visit": "2026-12-07",
        "note": None,
    }


def test_each_answer_is_checked_by_its_type() -> None:
    run = ScriptRun.begin(prevention()).answer("person", "yes").run.answer("interest", "yes").run
    for typed, code in [
        ("", "required"),
        ("sto", "bad_number"),
        ("33,5", "not_a_number"),
        ("1 200", "out_of_range"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            run.answer("age", typed)
        assert [(e.field, e.code) for e in refused.value.errors] == [("age", code)]
    with pytest.raises(ValidationFailed, match="invalid_choice"):
        run.answer("interest", "maybe")
    run = run.answer("age", "40").run
    with pytest.raises(ValidationFailed, match="not_a_date"):
        run.answer("visit", "32. 12. 2026")


def test_changing_an_earlier_answer_drops_the_answers_off_the_new_path() -> None:
    run = ScriptRun.begin(prevention())
    for question_id, typed in [("person", "yes"), ("interest", "yes"), ("age", "62"), ("colonoscopy", "yes")]:
        run = run.answer(question_id, typed).run
    younger = run.answer("age", "45")
    assert younger.dropped == ("colonoscopy",)
    assert younger.run.path == ("person", "interest", "age", "visit")
    refused = younger.run.answer("interest", "no")
    assert refused.dropped == ("age",)
    assert refused.run.outcome is Outcome.REFUSED and refused.run.to_plain() == {
        "person": "yes",
        "interest": "no",
    }


def test_only_questions_on_the_path_can_be_answered() -> None:
    with pytest.raises(ValidationFailed, match="not_on_path"):
        ScriptRun.begin(prevention()).answer("age", "40")


def test_a_loop_asks_the_question_again_showing_the_earlier_answer() -> None:
    script = address_check()
    run = ScriptRun.begin(script).answer("confirm", "no").run.answer("address", "Praha 3").run
    assert run.path == ("confirm", "address", "confirm")
    last = run.steps()[-1]
    assert last.current and last.question.id == "confirm" and last.answer == "no"
    run = run.answer("confirm", "yes").run
    assert run.outcome is Outcome.SUCCESS and run.path == ("confirm",)


def test_a_closed_run_refuses_changes() -> None:
    run = ScriptRun.begin(prevention()).answer("person", "wrong").run.close()
    assert run.state is RunState.CLOSED and run.outcome is Outcome.WRONG_NUMBER
    with pytest.raises(IllegalTransition):
        run.answer("person", "yes")


def test_a_stored_run_is_restored_and_bad_stored_answers_are_named() -> None:
    run = ScriptRun.begin(prevention())
    for question_id, typed in [("person", "yes"), ("interest", "yes"), ("age", "30")]:
        run = run.answer(question_id, typed).run
    stored = json.loads(json.dumps(run.to_plain()))
    assert ScriptRun.restore(prevention(), stored) == run
    assert ScriptRun.restore(prevention(), {**stored, "colonoscopy": "yes"}).answers == run.answers
    with pytest.raises(ValidationFailed) as refused:
        ScriptRun.restore(prevention(), {"person": "maybe", "age": "30", "ghost": 1})
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("person", "invalid_choice"),
        ("age", "invalid_type"),
        ("ghost", "unknown_question"),
    ]


def test_a_script_with_problems_cannot_be_run() -> None:
    with pytest.raises(ValidationFailed, match="no_end_state"):
        ScriptRun.begin(attrs.evolve(prevention(), ends=[]))


# -- the diagram -----------------------------------------------------------------------------------------
def test_the_diagram_shows_questions_ends_and_branches() -> None:
    diagram = script_diagram(prevention())
    boxes = {b.id: b for b in diagram.boxes}
    assert boxes["person"].start and boxes["person"].type == "choice" and boxes["age"].type == "number"
    assert boxes["refused"].type == "end" and boxes["refused"].prompt == "refused"
    labels = {(e.source, e.target): e.label for e in diagram.edges}
    assert labels[("interest", "refused")] == "Ne"
    assert labels[("age", "colonoscopy")] == "≥ 50"
    assert labels[("age", "visit")] == "otherwise"
    assert labels[("visit", "note")] == "next"
    assert not any(b.unreachable or b.problems for b in diagram.boxes)


def test_the_diagram_marks_unreachable_and_problem_nodes() -> None:
    script = with_question(prevention(), 5, next="visit")
    island = Question(id="island", text="Ostrov", type=AnswerType.TEXT, next="booked")
    script = attrs.evolve(script, questions=[*script.questions, island])
    boxes = {b.id: b for b in script_diagram(script).boxes}
    assert boxes["island"].unreachable and boxes["island"].problems == ("question_unreachable",)
    assert boxes["visit"].problems == ("loop_without_end",)
    assert boxes["booked"].problems == ("end_unreachable",)
    assert any(e.back for e in script_diagram(script).edges if e.source == "note")


def test_the_mermaid_text() -> None:
    script = with_question(prevention(), 0, text='Hovořím s "panem" Novákem?')
    text = script_mermaid(script, words={"choice": "Výběr", "end": "Konec", "otherwise": "jinak"})
    assert text.startswith("flowchart TD\n")
    assert '  n0["person<br/>Výběr: Hovořím s #quot;panem#quot; Novákem?"]' in text
    assert '  n7(["booked<br/>Konec: Objednán"])' in text
    assert "  n2 -->|jinak| n4" in text
    assert "  class n0 start" in text and "problem" not in text.split("classDef")[0]


# -- questionnaire results (REP-10) ----------------------------------------------------------------------
@pytest.mark.req("REP-10")
def test_questionnaire_results_count_choices_numbers_and_end_states() -> None:
    stored: list[dict[str, Any]] = [
        {
            "person": "yes",
            "interest": "yes",
            "age": 62,
            "colonoscopy": "no",
            "visit": "2026-12-07",
            "note": None,
        },
        {"person": "yes", "interest": "yes", "age": 40, "visit": "2026-12-08", "note": "Ráno"},
        {"person": "yes", "interest": "no"},
        {"person": "yes", "interest": "no", "age": 30},  # the age is off the path: ignored
        {"person": "wrong"},
        {"person": "yes", "interest": "yes", "age": 51},  # the call ended before the last questions
        {"person": "yes", "interest": "perhaps", "ghost": 1},  # two answers no longer fit: ignored
    ]
    results = questionnaire_results(prevention(), stored)
    assert (results.runs, results.unfinished, results.ignored) == (7, 2, 3)
    by_id = {q.id: q for q in results.questions}
    assert [(c.key, c.count) for c in by_id["interest"].choices] == [("yes", 3), ("no", 2), ("later", 0)]
    assert [(c.key, c.count) for c in by_id["person"].choices] == [("yes", 6), ("not_home", 0), ("wrong", 1)]
    age = by_id["age"].numbers
    assert age is not None and (age.count, age.mean, age.median, age.low, age.high) == (
        3,
        *map(Decimal, (51, 51, 40, 62)),
    )
    assert (by_id["note"].answered, by_id["note"].skipped) == (1, 1)
    assert {e.id: e.count for e in results.ends} == {
        "booked": 2,
        "refused": 2,
        "callback": 0,
        "wrong_number": 1,
    }
    assert results.by_outcome() == {Outcome.SUCCESS: 2, Outcome.REFUSED: 2, Outcome.WRONG_NUMBER: 1}


@pytest.mark.req("REP-10")
def test_results_of_no_runs() -> None:
    results = questionnaire_results(prevention(), [])
    age = next(q for q in results.questions if q.id == "age").numbers
    assert results.runs == 0 and age is not None and age.count == 0 and age.mean is None
    assert results.by_outcome() == {}


@pytest.mark.req("REP-10")
def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    stored = [{"person": "yes", "interest": "yes", "age": a} for a in (20, 30, 41, 90)]
    age = next(q for q in questionnaire_results(prevention(), stored).questions if q.id == "age").numbers
    assert age is not None and age.median == Decimal("35.5") and age.mean == Decimal("45.25")


# -- random scripts --------------------------------------------------------------------------------------
@st.composite
def random_scripts(draw: st.DrawFn) -> CallScript:
    """Scripts whose every question is well formed on its own; only the graph may be wrong."""
    question_ids = [f"q{i}" for i in range(draw(st.integers(1, 6)))]
    end_ids = [f"e{i}" for i in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3])))]
    questions = []
    for i, question_id in enumerate(question_ids):
        # mostly forward (to a later question or an end), so that about half of the scripts are sound
        forward = question_ids[i + 1 :] + end_ids
        anywhere = st.sampled_from(question_ids + end_ids)
        target = st.one_of(st.sampled_from(forward), anywhere) if forward else anywhere
        kind = draw(st.sampled_from([AnswerType.CHOICE, AnswerType.NUMBER, AnswerType.TEXT]))
        question = Question(id=question_id, text="?", type=kind, next=draw(target))
        if kind is AnswerType.CHOICE:
            branched = draw(st.lists(st.sampled_from(["yes", "no"]), unique=True))
            branches = [Branch(choice=key, next=draw(target)) for key in branched]
            covered = len(branched) == 2 and draw(st.booleans())
            question = attrs.evolve(
                question, choices=YES_NO, branches=branches, next="" if covered else question.next
            )
        elif kind is AnswerType.NUMBER:
            lows = draw(st.lists(st.integers(0, 100), max_size=2))
            question = attrs.evolve(
                question, branches=[Branch(low=Decimal(low), next=draw(target)) for low in lows]
            )
        questions.append(question)
    ends = [EndState(id=end_id, label="Konec", outcome=Outcome.SUCCESS) for end_id in end_ids]
    return CallScript(
        name="Náhodný", start=draw(st.sampled_from(question_ids)), questions=questions, ends=ends
    )


def sound(script: CallScript) -> bool:
    """Every question and end state reachable from the start, and an end reachable from every question."""
    edges = {q.id: set(q.targets()) for q in script.questions}
    reached, todo = {script.start}, [script.start]
    while todo:
        for nxt in edges.get(todo.pop(), set()) - reached:
            reached.add(nxt)
            todo.append(nxt)
    can_end = {e.id for e in script.ends}
    while grown := {q for q, targets in edges.items() if q not in can_end and targets & can_end}:
        can_end |= grown
    every = set(edges) | {e.id for e in script.ends}
    return reached == every and set(edges) <= can_end


@settings(max_examples=300, deadline=None)
@given(random_scripts())
def test_a_random_script_is_accepted_iff_everything_is_reachable_and_can_reach_an_end(
    script: CallScript,
) -> None:
    found = problems(script)
    assert (found == []) == sound(script), found
    assert {e.code for e in found} <= {
        "question_unreachable",
        "end_unreachable",
        "loop_without_end",
        "no_end_state",
    }


@settings(max_examples=500, deadline=None)
@given(
    random_scripts(),
    st.lists(st.tuples(st.integers(0, 10), st.sampled_from(["yes", "no", "7", "70", "slovo"]))),
)
def test_runs_of_random_scripts_keep_their_answers_on_one_path(
    script: CallScript, moves: list[tuple[int, str]]
) -> None:
    if problems(script):
        return
    run = ScriptRun.begin(script)
    for pick, typed in moves:
        question_id = run.path[pick % len(run.path)] if run.path else ""
        question = script.question(question_id)
        if question is None:
            break
        answer = typed if question.type is not AnswerType.CHOICE else ("yes" if typed != "no" else "no")
        if question.type is AnswerType.NUMBER and not answer.isdigit():
            answer = "1"
        changed = run.answer(question_id, answer)
        assert not set(changed.dropped) & set(changed.run.answers)
        run = changed.run
        assert len(set(run.path[:-1])) == len(run.path) - 1  # only the last question may come again
        assert set(run.answers) <= set(run.path)
        assert ScriptRun.restore(script, json.loads(json.dumps(run.to_plain()))) == run
