"""Evaluation of recorded calls in the browser (REC-07).

The scoring itself happens on a recording's page (``apps/web/recordings.py`` routes, the helpers
here read the submitted sheet); this module serves the evaluations list (an agent sees only his
own; evaluators everybody's, filtered by agent and period) and the score report per agent, also as
CSV, and both in JSON (``GET /api/v1/evaluations``, ``GET /api/v1/evaluations/report``). Days are
Prague days; times are stored in UTC."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from apps.web.errors import validation_payload
from apps.web.query_args import day_arg, whole_arg
from apps.web.security import audit_denied, current_user, may, requires
from apps.web.services import services
from apps.web.sight import check_agent, sight
from kc_adapters.exports.csv import spreadsheet_csv
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.recordings.evaluation import Criterion, Evaluation, Scoring
from kc_domain.recordings.evaluation_service import EvaluationService
from kc_ports.recording_search import EvaluationQuery, EvaluationSearch

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")
api = Blueprint("evaluations_api", __name__, url_prefix="/api/v1/evaluations")

LIST_DAYS = 90  # the list looks this far back when no "from" day is given
PER_PAGE = 50


def service() -> EvaluationService:
    found: EvaluationService = services().evaluations()
    return found


def searched() -> EvaluationSearch:
    found: EvaluationSearch = services().evaluation_search()
    return found


def clock_text(seconds: float) -> str:
    """1:05 for 65.4 seconds: a moment of a recording."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


# -- the sheet on a recording's page ----------------------------------------------------------------
@attrs.frozen
class Sheet:
    """One set of criteria the recording page offers for scoring: an active form (a new
    evaluation) or an evaluation being edited (its own copy of the criteria)."""

    key: str  # the prefix of its inputs' names
    form_id: int | None
    name: str
    criteria: tuple[Criterion, ...]


def sheets_for_new(forms: list[Any]) -> list[Sheet]:
    return [Sheet(f"f{form.id}", form.id, form.name, form.criteria) for form in forms]


def sheet_for_edit(evaluation: Evaluation) -> Sheet:
    return Sheet("edit", evaluation.form_id, evaluation.form_name, evaluation.criteria)


def scoring_from_form(form: MultiDict[str, str], sheet_key: str, criteria_count: int) -> Scoring:
    """The submitted points, comments, notes and overall comment of one sheet."""
    points = {n: form.get(f"{sheet_key}_score_{n}", "") for n in range(1, criteria_count + 1)}
    comments = {n: form.get(f"{sheet_key}_comment_{n}", "") for n in range(1, criteria_count + 1)}
    offsets, texts = form.getlist("note_offset"), form.getlist("note_text")
    notes = tuple((offset, texts[i] if i < len(texts) else "") for i, offset in enumerate(offsets))
    return Scoring(points, comments, notes, form.get("comment", ""))


def submitted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the page shows again after a refusal: every input as it was sent."""
    notes = [
        _note(o, t) for o, t in zip(form.getlist("note_offset"), form.getlist("note_text"), strict=False)
    ]
    return {"fields": form.to_dict(), "notes": notes}


def saved_values(evaluation: Evaluation) -> dict[str, Any]:
    """An evaluation's values as the inputs of its sheet (``edit``) hold them."""
    fields: dict[str, str] = {"comment": evaluation.comment}
    for n, score in enumerate(evaluation.scores, start=1):
        fields[f"edit_score_{n}"] = "" if score.points is None else str(score.points)
        fields[f"edit_comment_{n}"] = score.comment
    return {"fields": fields, "notes": [_note(str(note.offset_s), note.text) for note in evaluation.notes]}


def _note(offset: str, text: str) -> dict[str, str]:
    """A note row of the page: its offset as sent, the moment as m:ss (the raw text if not a number)."""
    try:
        seconds = float(offset)
    except ValueError:
        return {"offset": offset, "text": text, "moment": offset}
    shown = clock_text(seconds) if 0 <= seconds < 10_000_000 else offset  # also false for NaN
    return {"offset": offset, "text": text, "moment": shown}


def error_messages(error: ValidationFailed, criteria: tuple[Criterion, ...]) -> dict[str, list[str]]:
    """Messages by field, each naming what it is about (the page lists them at the top too)."""
    found: dict[str, list[str]] = {}
    for item in validation_payload(error):
        field = str(item["field"])
        found.setdefault(field, []).append(f"{field_label(field, criteria)}: {item['message']}")
    return found


def field_label(field: str, criteria: tuple[Criterion, ...]) -> str:
    name, _dot, rest = field.partition(".")
    number = rest.split(".")[0]
    label = ""
    if number.isdecimal() and 0 < int(number) <= len(criteria):
        label = criteria[int(number) - 1].label
    if name == "score":
        return str(_("Criterion %(number)s “%(label)s”", number=number, label=label))
    if name == "score_comment":
        return str(_("Comment on criterion %(number)s “%(label)s”", number=number, label=label))
    if name == "note" and rest.endswith("offset"):
        return str(_("Note %(number)s: moment", number=number))
    if name == "note" and rest.endswith("text"):
        return str(_("Note %(number)s: text", number=number))
    labels: dict[str, str] = {
        "form_id": _("Evaluation form"),
        "comment": _("Overall comment"),
        "recording": _("Recording"),
        "note": _("Notes"),
    }
    return labels.get(name, field)


# -- the list ----------------------------------------------------------------------------------------
@bp.route("/")
@requires()
def index() -> ResponseReturnValue:
    """The signed-in user's evaluations; an evaluator sees everybody's and may filter by agent. An
    agent asking for another agent's evaluations is refused (403, audited)."""
    args, errors, rows, page, more = _listed()
    evaluator = may(Permission.EVALUATE_CALLS)
    if errors:
        return _render_list(args, _by_field(errors), [], evaluator), 422
    return _render_list(args, {}, rows, evaluator, page, more)


@api.route("", methods=["GET"])
@requires()
def api_list() -> dict[str, Any]:
    """As the list page, in JSON: ``since``, ``until``, ``agent``, ``page`` (50 to a page); 422 with
    the fields for bad ones, 403 for an agent asking for another agent's evaluations."""
    _args, errors, rows, page, more = _listed()
    if errors:
        raise ValidationFailed(errors)
    return {"items": [_plain(row) for row in rows], "page": page, "more": more}


@api.route("/report", methods=["GET"])
@requires(Permission.EVALUATE_CALLS)
def api_report() -> dict[str, Any]:
    """The score report per agent in JSON (``since``, ``until``, ``agent``)."""
    args, errors, found = _report_rows()
    if errors:
        raise ValidationFailed(errors)
    return {"since": args["since"], "until": args["until"], "agents": [attrs.asdict(r) for r in found]}


def _listed() -> tuple[dict[str, str], list[FieldError], list[Any], int, bool]:
    """The list's query: (arguments as shown, errors, the page's rows, page, whether more follow)."""
    user = current_user()
    assert user is not None
    args = {key: request.args.get(key, "").strip() for key in ("since", "until", "agent", "page")}
    errors: list[FieldError] = []
    agent_id = whole_arg(args, "agent", errors)
    page = whole_arg(args, "page", errors) or 1
    if Permission.EVALUATE_CALLS not in user.permissions:
        if agent_id is not None and agent_id != user.user_id:
            audit_denied(user)
            abort(403)
        agent_id = user.user_id
    else:
        check_agent(agent_id)  # ADM-06: an evaluator limited by report access sees her agents only
    first, last = _period(args, _today() - timedelta(days=LIST_DAYS - 1), errors)
    if errors:
        return args, errors, [], page, False
    # one more than a page: is there a next page
    rows = searched().search(_wanted(first, last, agent_id, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE))
    shown = {**args, "since": first.isoformat(), "until": last.isoformat()}
    return shown, [], rows[:PER_PAGE], page, len(rows) > PER_PAGE


def _plain(row: Any) -> dict[str, Any]:
    def value(_instance: Any, _field: Any, v: Any) -> Any:
        return v.isoformat() if isinstance(v, datetime) else v

    return attrs.asdict(row, value_serializer=value)


def _render_list(
    args: dict[str, str],
    errors: dict[str, list[str]],
    rows: list[Any],
    evaluator: bool,
    page: int = 1,
    more: bool = False,
) -> str:
    def page_url(number: int) -> str:
        kept: dict[str, Any] = {k: v for k, v in args.items() if v and k != "page"}  # url_for takes Any
        return url_for("evaluations.index", **kept, page=number)

    return render_template(
        "evaluations/index.html",
        args=args,
        errors=errors,
        rows=rows,
        evaluator=evaluator,
        agents=_agents() if evaluator else [],
        page=page,
        more=more,
        page_url=page_url,
        may_listen=may(Permission.LISTEN_RECORDINGS),
        clock_text=clock_text,
    )


# -- the report ----------------------------------------------------------------------------------------
@bp.route("/report")
@requires(Permission.EVALUATE_CALLS)
def report() -> ResponseReturnValue:
    """Per agent: the number of evaluations and the average, lowest and highest score in a period."""
    args, errors, found = _report_rows()
    page = render_template(
        "evaluations/report.html", args=args, errors=_by_field(errors), rows=found, agents=_agents()
    )
    return (page, 422) if errors else page


@bp.route("/report.csv")
@requires(Permission.EVALUATE_CALLS)
def report_csv() -> ResponseReturnValue:
    args, errors, found = _report_rows()
    if errors:
        raise ValidationFailed(errors)
    header = [
        _("Agent"),
        _("Evaluations"),
        _("Average score") + " (%)",
        _("Lowest") + " (%)",
        _("Highest") + " (%)",
    ]
    rows = [
        [row.agent_name or f"#{row.agent_id}", row.count, row.average, row.lowest, row.highest]
        for row in found
    ]
    name = f"evaluations-{args['since']}-{args['until']}.csv"
    return Response(
        spreadsheet_csv([header, *rows]),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _report_rows() -> tuple[dict[str, str], list[FieldError], list[Any]]:
    args = {key: request.args.get(key, "").strip() for key in ("since", "until", "agent")}
    errors: list[FieldError] = []
    agent_id = whole_arg(args, "agent", errors)
    first, last = _period(args, _today().replace(day=1), errors)
    if errors:
        return args, errors, []
    check_agent(agent_id)  # ADM-06: 403 for an agent outside what the reader may see
    found = searched().report(_wanted(first, last, agent_id))
    return {**args, "since": first.isoformat(), "until": last.isoformat()}, [], found


# -- helpers ---------------------------------------------------------------------------------------------
def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["KC_TIMEZONE"])


def _today() -> date:
    today: date = services().clock().now().astimezone(_zone()).date()
    return today


def _start(day: date) -> datetime:
    """The first instant of a Prague day."""
    return datetime.combine(day, time(), _zone())


def _period(args: Mapping[str, str], default_since: date, errors: list[FieldError]) -> tuple[date, date]:
    first = day_arg(args, "since", default_since, errors)
    last = day_arg(args, "until", _today(), errors)
    if last < first:
        errors.append(FieldError("until", "ends_before_start"))
    return first, last


def _by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in validation_payload(ValidationFailed(errors)):
        found.setdefault(str(item["field"]), []).append(str(item["message"]))
    return found


def _agents() -> list[Any]:
    seen = sight()  # before the unit of work: it reads in one of its own
    with services().uow_factory()() as uow:
        return sorted((u for u in uow.users.list() if seen.sees_agent(u.id)), key=lambda u: u.full_name)


def _wanted(first: date, last: date, agent_id: int | None, **paging: int) -> EvaluationQuery:
    """Evaluations made on the Prague days [first, last], of the agent (None: any) among those the
    reader may see."""
    since, until = _start(first), _start(last + timedelta(days=1))
    return EvaluationQuery(since, until, agent_id, agent_ids=_seen_agents(), **paging)


def _seen_agents() -> frozenset[int] | None:
    """The agents whose evaluations the user may see (None: any); an agent's own are always hers."""
    user = current_user()
    seen = sight().agent_ids
    if seen is None or user is None:
        return seen
    return seen | {user.user_id}
