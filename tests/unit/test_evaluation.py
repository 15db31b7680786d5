"""Evaluating recorded calls (REC-07): the weighted score, validation of what the evaluator sends,
evaluation forms, and the service that saves (and audits) evaluations against the in-memory store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kc_adapters.system import FixedClock
from kc_domain.admin.service import AdminService
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditTrail
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.plain import to_plain
from kc_domain.recordings.evaluation import (
    Criterion,
    EvaluationForm,
    Scale,
    Score,
    Scoring,
    TimelineNote,
    score,
    weighted_percent,
)
from kc_domain.recordings.evaluation_service import EvaluationService
from kc_domain.recordings.model import Recording

from .support import ROOT, START, Store

pytestmark = pytest.mark.req("REC-07")

GREETING = Criterion("Pozdrav a představení", Scale.POINTS, 5, 2)
IDENTITY = Criterion("Ověření totožnosti", Scale.YES_NO, weight=3)
OFFER = Criterion("Nabídka dalších služeb", Scale.POINTS, 4, 1, required=False)
CRITERIA = (GREETING, IDENTITY, OFFER)


def codes(failure: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in failure.value.errors}


# -- the weighted score ---------------------------------------------------------------------------
def test_the_score_is_each_criterions_share_of_its_top_points_weighted_in_percent() -> None:
    # greeting 4/5 * 2 = 1.6, identity yes 1/1 * 3 = 3, offer 2/4 * 1 = 0.5: 5.1 of 6 = 85 %
    scores = [Score(GREETING, 4), Score(IDENTITY, 1), Score(OFFER, 2)]

    assert weighted_percent(scores) == 85.0


def test_an_unscored_optional_criterion_counts_neither_way() -> None:
    # greeting 5/5 * 2 = 2, identity no * 3 = 0: 2 of 5 = 40 %
    assert weighted_percent([Score(GREETING, 5), Score(IDENTITY, 0), Score(OFFER, None)]) == 40.0


def test_the_score_is_rounded_to_one_decimal() -> None:
    thirds = Criterion("Empatie", Scale.POINTS, 3, 1)

    assert weighted_percent([Score(thirds, 1)]) == 33.3
    assert weighted_percent([Score(thirds, 2)]) == 66.7


def test_nothing_scored_has_no_score() -> None:
    assert weighted_percent([Score(OFFER, None)]) is None
    assert weighted_percent([]) is None


def test_full_and_zero_points_give_100_and_0_percent() -> None:
    assert weighted_percent([Score(GREETING, 5), Score(IDENTITY, 1)]) == 100.0
    assert weighted_percent([Score(GREETING, 0), Score(IDENTITY, 0)]) == 0.0


# -- validating a scoring -------------------------------------------------------------------------
def scoring(**changes: Any) -> Scoring:
    values: dict[str, Any] = {
        "points": {1: "4", 2: "1", 3: ""},
        "comments": {1: "Chybělo jméno pojišťovny"},
        "notes": (("95.5", "Skočila do řeči"), ("12", "Pěkný pozdrav")),
        "comment": "Dobrý hovor.",
    }
    values.update(changes)
    return Scoring(**values)


def test_a_valid_scoring_gives_scores_notes_in_order_of_the_moment_and_the_percentage() -> None:
    scores, notes, percent = score(CRITERIA, scoring(), 120.0)

    assert [s.points for s in scores] == [4, 1, None]
    assert scores[0].comment == "Chybělo jméno pojišťovny"
    assert scores[0].criterion == GREETING
    assert notes == (TimelineNote(12.0, "Pěkný pozdrav"), TimelineNote(95.5, "Skočila do řeči"))
    # greeting 4/5 * 2 = 1.6, identity 1 * 3 = 3: 4.6 of 5
    assert percent == 92.0


@pytest.mark.parametrize(
    ("points", "field", "code"),
    [
        ({1: "6", 2: "1"}, "score.1", "out_of_range"),
        ({1: "-1", 2: "1"}, "score.1", "out_of_range"),
        ({1: "4", 2: "2"}, "score.2", "out_of_range"),
        ({1: "5", 2: "1", 3: "5"}, "score.3", "out_of_range"),
        ({1: "", 2: "1"}, "score.1", "required"),
        ({2: "1"}, "score.1", "required"),
        ({1: "4", 2: "ano"}, "score.2", "not_a_number"),
        ({1: "4.5", 2: "1"}, "score.1", "not_a_number"),
    ],
)
def test_a_score_outside_the_scale_or_a_missing_required_one_is_refused(
    points: dict[int, str], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        score(CRITERIA, scoring(points=points), 120.0)

    assert (field, code) in codes(failure)


def test_the_out_of_range_error_says_the_scale() -> None:
    with pytest.raises(ValidationFailed) as failure:
        score(CRITERIA, scoring(points={1: "9", 2: "1"}), 120.0)

    (error,) = failure.value.errors
    assert error.params["min"] == 0 and error.params["max"] == 5
    assert error.params["criterion"] == "Pozdrav a představení"


@pytest.mark.parametrize(
    ("notes", "field", "code"),
    [
        ((("121", "Po konci"),), "note.1.offset", "outside_recording"),
        ((("10", "ok"), ("-0.5", "Před začátkem")), "note.2.offset", "outside_recording"),
        ((("deset", "Text"),), "note.1.offset", "bad_number"),
        ((("nan", "Text"),), "note.1.offset", "bad_number"),
        ((("10", "   "),), "note.1.text", "required"),
        ((("10", "x" * 501),), "note.1.text", "too_long"),
    ],
)
def test_a_note_outside_the_recording_or_without_text_is_refused(
    notes: tuple[tuple[str, str], ...], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        score(CRITERIA, scoring(notes=notes), 120.0)

    assert (field, code) in codes(failure)


def test_a_note_at_the_very_end_of_the_recording_is_accepted() -> None:
    _, notes, _ = score(CRITERIA, scoring(notes=((120, "Rozloučení"),)), 120.0)

    assert notes == (TimelineNote(120.0, "Rozloučení"),)


def test_every_problem_is_reported_at_once() -> None:
    bad = scoring(points={1: "7"}, notes=(("500", "x"),), comment="y" * 2001)

    with pytest.raises(ValidationFailed) as failure:
        score(CRITERIA, bad, 120.0)

    assert codes(failure) == {
        ("score.1", "out_of_range"),
        ("score.2", "required"),
        ("note.1.offset", "outside_recording"),
        ("comment", "too_long"),
    }


def test_a_form_of_optional_criteria_needs_at_least_one_scored() -> None:
    with pytest.raises(ValidationFailed) as failure:
        score((OFFER,), scoring(points={}), 120.0)

    assert codes(failure) == {("score.1", "nothing_scored")}


def test_numbers_from_json_are_accepted_like_form_text() -> None:
    scores, _, percent = score(CRITERIA, Scoring(points={1: 5, 2: 1, 3: 4}), 60.0)

    assert [s.points for s in scores] == [5, 1, 4]
    assert percent == 100.0


def test_true_is_not_a_point() -> None:
    with pytest.raises(ValidationFailed) as failure:
        score(CRITERIA, Scoring(points={1: True, 2: 1}), 60.0)

    assert ("score.1", "not_a_number") in codes(failure)


# -- evaluation forms ---------------------------------------------------------------------------------
def test_a_form_needs_a_name_and_at_least_one_criterion() -> None:
    problems = {(e.field, e.code) for e in EvaluationForm("", ()).problems()}

    assert problems == {("name", "required"), ("criteria", "no_criteria")}


def test_each_criterion_is_checked_and_named_by_its_row() -> None:
    form = EvaluationForm(
        "Kvalita",
        (
            Criterion("Pozdrav", Scale.POINTS, 0, 2),
            Criterion("", Scale.POINTS, 5, 101),
            Criterion("pozdrav", Scale.YES_NO, 0, 1, "d" * 501),
        ),
    )

    assert {(e.field, e.code) for e in form.problems()} == {
        ("criteria.1.max_points", "out_of_range"),
        ("criteria.2.label", "required"),
        ("criteria.2.weight", "out_of_range"),
        ("criteria.3.label", "duplicate"),
        ("criteria.3.description", "too_long"),
    }


def test_a_yes_no_criterion_is_worth_one_point_whatever_its_maximum() -> None:
    assert Criterion("Ověření", Scale.YES_NO, max_points=0).top == 1
    assert Criterion("Ověření", Scale.YES_NO, max_points=0).problems(1) == []


def test_criteria_survive_their_plain_form() -> None:
    for criterion in CRITERIA:
        assert Criterion.from_plain(to_plain(criterion)) == criterion
    assert Score.from_plain(to_plain(Score(GREETING, 3, "ok"))) == Score(GREETING, 3, "ok")
    assert TimelineNote.from_plain(to_plain(TimelineNote(1.5, "x"))) == TimelineNote(1.5, "x")


# -- the service ------------------------------------------------------------------------------------------
@pytest.fixture
def evaluations(uow_factory: Any, clock: FixedClock, audit: AuditTrail) -> EvaluationService:
    return EvaluationService(uow_factory, clock, audit)


@pytest.fixture
def world(admin: AdminService, root: User, uow_factory: Any) -> dict[str, int]:
    agent = admin.create(
        ROOT,
        "user",
        {"username": "novakova", "full_name": "Marie Nováková", "roles": {Role.AGENT}},
        password="Zelena-Louka-2026",
    )
    form = admin.create(ROOT, "evaluation_form", {"name": "Kvalita hovoru", "criteria": CRITERIA})
    old = admin.create(ROOT, "evaluation_form", {"name": "Stará", "criteria": (GREETING,), "active": False})
    with uow_factory() as uow:
        recording = uow.recordings.add(Recording("c1", START, 120.0, "c1.wav", 1000, "a" * 64, agent.id))
        orphan = uow.recordings.add(Recording("c2", START, 60.0, "c2.wav", 1000, "b" * 64, None))
        uow.commit()
    return {
        "agent": agent.id,
        "form": form.id,
        "old": old.id,
        "recording": recording.id,
        "orphan": orphan.id,
        "root": root.id,
    }


def test_an_evaluation_is_saved_with_a_copy_of_the_criteria_and_audited(
    evaluations: EvaluationService, world: dict[str, int], store: Store, clock: FixedClock
) -> None:
    saved = evaluations.evaluate(ROOT, world["root"], world["recording"], world["form"], scoring())

    stored = evaluations.get(saved.id or 0)
    assert (stored.agent_id, stored.call_id, stored.form_name) == (world["agent"], "c1", "Kvalita hovoru")
    assert stored.evaluator_name == "Jana Správcová"
    assert stored.criteria == CRITERIA
    assert stored.score_percent == 92.0
    assert stored.created_at == stored.updated_at == clock.now()
    record = store.last()
    assert (record.action, record.object_id, record.outcome) == (
        "evaluation.create",
        str(saved.id),
        Outcome.OK,
    )
    assert record.params["after"]["score_percent"] == 92.0


@pytest.mark.parametrize(
    ("form", "field", "code"),
    [
        ("missing", "form_id", "unknown_form"),
        ("old", "form_id", "unknown_form"),
        (None, "form_id", "unknown_form"),
    ],
)
def test_an_unknown_or_inactive_form_is_refused_nothing_saved_and_the_refusal_audited(
    evaluations: EvaluationService,
    world: dict[str, int],
    store: Store,
    form: str | None,
    field: str,
    code: str,
) -> None:
    before = store.snapshot()
    form_id = None if form is None else world.get(form, 999)

    with pytest.raises(ValidationFailed) as failure:
        evaluations.evaluate(ROOT, world["root"], world["recording"], form_id, scoring())

    assert codes(failure) == {(field, code)}
    assert store.snapshot() == before
    assert (store.last().action, store.last().outcome) == ("evaluation.create", Outcome.REJECTED)


def test_a_bad_score_saves_nothing(
    evaluations: EvaluationService, world: dict[str, int], store: Store
) -> None:
    before = store.snapshot()

    with pytest.raises(ValidationFailed):
        evaluations.evaluate(ROOT, world["root"], world["recording"], world["form"], scoring(points={1: "8"}))

    assert store.snapshot() == before


def test_a_recording_without_an_agent_takes_the_calls_agent_or_is_refused(
    evaluations: EvaluationService, world: dict[str, int]
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        evaluations.evaluate(ROOT, world["root"], world["orphan"], world["form"], scoring(notes=()))
    assert codes(failure) == {("recording", "no_agent")}

    saved = evaluations.evaluate(
        ROOT, world["root"], world["orphan"], world["form"], scoring(notes=()), call_agent_id=world["agent"]
    )
    assert saved.agent_id == world["agent"]


def test_an_unknown_recording_is_not_found(evaluations: EvaluationService, world: dict[str, int]) -> None:
    with pytest.raises(NotFound):
        evaluations.evaluate(ROOT, world["root"], 999, world["form"], scoring())


def test_a_note_is_checked_against_the_recordings_own_length(
    evaluations: EvaluationService, world: dict[str, int]
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        evaluations.evaluate(
            ROOT, world["root"], world["orphan"], world["form"], scoring(notes=(("61", "x"),)), world["agent"]
        )

    assert codes(failure) == {("note.1.offset", "outside_recording")}


def test_an_edit_scores_again_against_the_saved_criteria_even_after_the_form_changed(
    evaluations: EvaluationService,
    admin: AdminService,
    world: dict[str, int],
    store: Store,
    clock: FixedClock,
) -> None:
    saved = evaluations.evaluate(ROOT, world["root"], world["recording"], world["form"], scoring())
    admin.update(ROOT, "evaluation_form", world["form"], {"criteria": (Criterion("Jiné", Scale.YES_NO),)})
    clock.advance(minutes=10)

    changed = evaluations.update(
        ROOT, saved.id or 0, scoring(points={1: "5", 2: "0"}, notes=(), comment=""), editor_id=world["root"]
    )

    assert changed.criteria == CRITERIA
    assert changed.score_percent == 40.0
    assert changed.updated_at == changed.created_at + timedelta(minutes=10)
    record = store.last()
    assert (record.action, record.object_id) == ("evaluation.update", str(saved.id))
    assert record.params["before"]["score_percent"] == 92.0
    assert record.params["after"]["score_percent"] == 40.0
    assert set(record.params["after"]) == {"scores", "notes", "comment", "score_percent"}


def test_a_refused_edit_changes_nothing(
    evaluations: EvaluationService, world: dict[str, int], store: Store
) -> None:
    saved = evaluations.evaluate(ROOT, world["root"], world["recording"], world["form"], scoring())
    before = store.snapshot()

    with pytest.raises(ValidationFailed):
        evaluations.update(ROOT, saved.id or 0, scoring(notes=(("999", "x"),)), editor_id=world["root"])

    assert store.snapshot() == before
    assert (store.last().action, store.last().outcome) == ("evaluation.update", Outcome.REJECTED)


def test_only_active_forms_are_offered(evaluations: EvaluationService, world: dict[str, int]) -> None:
    assert [f.name for f in evaluations.active_forms()] == ["Kvalita hovoru"]
