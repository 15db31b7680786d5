"""Evaluating recorded calls (REC-07): a supervisor scores a recording against a form while
listening; saving validates everything first and is audited (``evaluation.create``,
``evaluation.update``), a refusal too. The forms themselves are administered like every other
configured object (kind ``evaluation_form``, ``AdminService``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import Forbidden, NotFound, ValidationFailed
from kc_domain.plain import to_plain
from kc_domain.recordings.evaluation import Evaluation, EvaluationForm, Scoring, score

if TYPE_CHECKING:
    from kc_ports.persistence import EvaluationUnit, UnitFactory
    from kc_ports.system import Clock


class EvaluationService:
    def __init__(self, uow_factory: UnitFactory[EvaluationUnit], clock: Clock, audit: AuditTrail) -> None:
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit

    def active_forms(self) -> list[EvaluationForm]:
        with self._uow_factory() as uow:
            return [f for f in uow.evaluation_forms.list() if f.active]

    def get(self, evaluation_id: int) -> Evaluation:
        with self._uow_factory() as uow:
            return _get(uow, evaluation_id)

    def evaluate(
        self,
        actor: Actor,
        evaluator_id: int,
        recording_id: int,
        form_id: int | None,
        scoring: Scoring,
        call_agent_id: int | None = None,
    ) -> Evaluation:
        """A new evaluation of a recording with an active form. The agent evaluated is the
        recording's, or ``call_agent_id`` (the call's agent from the journal) when it has none."""

        def change(uow: EvaluationUnit) -> tuple[Evaluation, dict[str, Any]]:
            recording = uow.recordings.get(recording_id)
            if recording is None:
                raise NotFound("recording", recording_id)
            form = uow.evaluation_forms.get(form_id) if form_id is not None else None
            if form is None or not form.active:
                raise ValidationFailed.one("form_id", "unknown_form", id=form_id)
            agent_id = recording.agent_id if recording.agent_id is not None else call_agent_id
            if agent_id is None:
                raise ValidationFailed.one("recording", "no_agent")
            scores, notes, percent = score(form.criteria, scoring, recording.duration_s)
            evaluator = uow.users.get(evaluator_id)
            now = self._clock.now()
            evaluation = uow.evaluations.add(
                Evaluation(
                    recording_id=recording_id,
                    call_id=recording.call_id,
                    agent_id=agent_id,
                    form_id=form.id,
                    form_name=form.name,
                    evaluator_id=evaluator_id,
                    evaluator_name=evaluator.full_name if evaluator else actor.name,
                    scores=scores,
                    notes=notes,
                    comment=scoring.comment.strip(),
                    score_percent=percent,
                    created_at=now,
                    updated_at=now,
                )
            )
            return evaluation, {"after": to_plain(evaluation)}

        return self._audit.run(self._uow_factory, actor, "evaluation.create", "evaluation", None, change)

    def update(self, actor: Actor, evaluation_id: int, scoring: Scoring, *, editor_id: int) -> Evaluation:
        """Score an evaluation again, against the criteria it was first scored with. Only its author
        (``editor_id`` is the user editing) may: the evaluation names its evaluator (Forbidden)."""

        def change(uow: EvaluationUnit) -> tuple[Evaluation, dict[str, Any]]:
            evaluation = _get(uow, evaluation_id)
            if evaluation.evaluator_id != editor_id:
                raise Forbidden(f"evaluation {evaluation_id} is another evaluator's")
            recording = uow.recordings.get(evaluation.recording_id)
            duration = recording.duration_s if recording is not None else 0.0
            scores, notes, percent = score(evaluation.criteria, scoring, duration)
            before = to_plain(evaluation)
            candidate = attrs.evolve(
                evaluation,
                scores=scores,
                notes=notes,
                comment=scoring.comment.strip(),
                score_percent=percent,
            )
            after = to_plain(candidate)
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            if changed:
                evaluation.scores, evaluation.notes = scores, notes
                evaluation.comment, evaluation.score_percent = candidate.comment, percent
                evaluation.updated_at = self._clock.now()
            return evaluation, {"before": {k: before[k] for k in changed}, "after": changed}

        return self._audit.run(
            self._uow_factory, actor, "evaluation.update", "evaluation", evaluation_id, change
        )


def _get(uow: EvaluationUnit, evaluation_id: int) -> Evaluation:
    found = uow.evaluations.get(evaluation_id)
    if found is None:
        raise NotFound("evaluation", evaluation_id)
    return found
