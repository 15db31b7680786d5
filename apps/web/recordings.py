"""Call recordings in the browser (REC-02, REC-04, REC-05, REC-06, REC-07): search with filters,
sorting and paging; a recording's page with a seekable player; download as WAV or MP3; the legal
hold; evaluating the call on its page (the sheet's helpers are in ``apps/web/evaluations.py``).

Listening and downloading are separate rights (REC-05) and each is audited by the recording
service (``recording.listen``, ``recording.download``) once per user and recording in a window,
whatever byte range is asked for; seeking in the player adds no record (see ``audio``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web import evaluations
from apps.web.errors import validation_payload
from apps.web.i18n import percent
from apps.web.query_args import day_arg, int_arg, whole_arg
from apps.web.security import actor, current_user, may, requires
from apps.web.services import services
from apps.web.sight import check_agent, check_queue, refuse, sight
from kc_adapters.exports.mp3 import wav_to_mp3
from kc_domain.errors import FieldError, Forbidden, NotFound, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.recordings.evaluation import Evaluation
from kc_domain.recordings.model import Recording
from kc_domain.recordings.service import HOLD_REASON_MAX, RecordingService
from kc_ports.recording_search import (
    KINDS,
    SORTS,
    EvaluationQuery,
    RecordingQuery,
    RecordingRow,
    RecordingSearch,
)

bp = Blueprint("recordings", __name__, url_prefix="/recordings")

PAGE_SIZE = 50
DEFAULT_DAYS = 30  # the search looks this far back when no "from" day is given
EARLIEST = date(2000, 1, 1)  # "from" for a call's recordings when no day is given
NUMBER = re.compile(r"\+?[0-9]{1,32}")
TEXT_MAX = 200

KIND_LABELS = {
    "inbound": _l("Inbound"),
    "outbound": _l("Outbound"),
    "lost": _l("Lost"),
    "not_connected": _l("Not connected"),
}
COLUMNS = {
    "started_at": _l("Date and time"),
    "agent": _l("Agent"),
    "number": _l("Phone number"),
    "duration": _l("Duration"),
    "queue_wait": _l("Time in queue"),
    "category": _l("Category"),
    "queue": _l("Queue"),
    "note": _l("Note"),
}
FILTER_KEYS = (
    "since",
    "until",
    "call",
    "agent",
    "queue",
    "number",
    "category",
    "type",
    "min_duration",
    "max_duration",
    "note",
)


def service() -> RecordingService:
    found: RecordingService = services().recordings()
    return found


def searched() -> RecordingSearch:
    found: RecordingSearch = services().recording_search()
    return found


def recording_links(call_ids: Iterable[str]) -> dict[str, str]:
    """For pages listing calls (the agent's history, the client card's history, report drill-down
    rows: REP-07, AG-14, CDB-03): for each call with kept recordings, the page that plays and
    downloads its recording (``/recordings/<id>``), or the list of its recordings when it has several
    (a transferred call has one per agent); empty when the signed-in user may not listen."""
    if not may(Permission.LISTEN_RECORDINGS):
        return {}
    kept = searched().recorded_calls(call_ids)
    return {
        call_id: url_for("recordings.show", recording_id=ids[0])
        if len(ids) == 1
        else url_for("recordings.index", call=call_id)
        for call_id, ids in sorted(kept.items())
    }


# -- the search page -------------------------------------------------------------------------------
@bp.route("/")
@requires(Permission.LISTEN_RECORDINGS)
def index() -> ResponseReturnValue:
    """Search recordings; bad filters give the page with the field errors (422) and no search."""
    args = {key: request.args.get(key, "").strip() for key in (*FILTER_KEYS, "sort", "dir", "page")}
    try:
        query, page = parse_filters(args)
    except ValidationFailed as error:
        errors: dict[str, list[str]] = {}
        for item in validation_payload(error):
            errors.setdefault(str(item["field"]), []).append(str(item["message"]))
        return _render_index(args, errors, 0, [], 1), 422
    check_queue(query["queue_id"])  # ADM-06: 403 for a queue or an agent outside what the user may see
    check_agent(query["agent_id"])
    total, rows = searched().search(
        RecordingQuery(**query, sight=sight(), offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    )
    return _render_index(args, {}, total, rows, page)


def parse_filters(args: Mapping[str, str]) -> tuple[dict[str, Any], int]:
    """The search's keyword arguments and the page number from the query string; ValidationFailed
    with every bad field."""
    errors: list[FieldError] = []
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    today = services().clock().now().astimezone(zone).date()
    # a link to one call's recordings (``?call=``, from histories and reports) finds them however old
    one_call = bool(args.get("call")) and not args.get("since") and not args.get("until")
    since_default = EARLIEST if one_call else today - timedelta(days=DEFAULT_DAYS - 1)
    first = day_arg(args, "since", since_default, errors)
    last = day_arg(args, "until", today, errors)
    if first and last and last < first:
        errors.append(FieldError("until", "ends_before_start"))
    query: dict[str, Any] = {
        "call_id": args.get("call", "")[:64],
        "agent_id": whole_arg(args, "agent", errors),
        "queue_id": whole_arg(args, "queue", errors),
        "category_id": whole_arg(args, "category", errors),
        "min_duration": whole_arg(args, "min_duration", errors),
        "max_duration": whole_arg(args, "max_duration", errors),
        "note_text": args.get("note", ""),
        "kind": args.get("type", "") or None,
        "sort": args.get("sort", "") or "started_at",
        "descending": args.get("dir", "") != "asc",
    }
    number = args.get("number", "")
    if number and not NUMBER.fullmatch(number.replace(" ", "")):
        errors.append(FieldError("number", "bad_number", {"value": number}))
    query["number"] = number.replace(" ", "")
    if len(query["note_text"]) > TEXT_MAX:
        errors.append(FieldError("note", "too_long", {"max": TEXT_MAX}))
    if query["kind"] is not None and query["kind"] not in KINDS:
        errors.append(FieldError("type", "invalid_choice"))
    if query["sort"] not in SORTS:
        errors.append(FieldError("sort", "invalid_choice"))
    if args.get("dir", "") not in ("", "asc", "desc"):
        errors.append(FieldError("dir", "invalid_choice"))
    low, high = query["min_duration"], query["max_duration"]
    if low is not None and high is not None and high < low:
        errors.append(FieldError("max_duration", "too_small", {"min": low}))
    page = whole_arg(args, "page", errors)
    if page is None:
        page = 1
    elif page < 1:
        errors.append(FieldError("page", "too_small", {"min": 1}))
    if errors:
        raise ValidationFailed(errors)
    assert first is not None and last is not None
    query["since"] = datetime.combine(first, time(), zone)
    query["until"] = datetime.combine(last + timedelta(days=1), time(), zone)
    return query, page


def _render_index(
    args: dict[str, str], errors: dict[str, list[str]], total: int, rows: list[RecordingRow], page: int
) -> str:
    # url_for takes its values as Any
    kept: dict[str, Any] = {k: v for k, v in args.items() if v and k in (*FILTER_KEYS, "sort", "dir")}
    sort = args.get("sort") or "started_at"
    ascending = args.get("dir") == "asc"

    def sort_url(key: str) -> str:
        # the current column flips its direction; another column starts descending (newest, longest)
        flip = "desc" if key == sort and ascending else ("asc" if key == sort else "desc")
        return url_for("recordings.index", **{**kept, "sort": key, "dir": flip})

    def page_url(number: int) -> str:
        return url_for("recordings.index", **kept, page=number)

    seen = sight()  # only the agents and queues the user may see are offered
    with services().uow_factory()() as uow:
        agents = sorted((u for u in uow.users.list() if seen.sees_agent(u.id)), key=lambda u: u.full_name)
        queues = sorted((q for q in uow.queues.list() if seen.sees_queue(q.id)), key=lambda q: q.name)
        categories = sorted(uow.categories.list(), key=lambda c: c.name)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "recordings/index.html",
        args=args,
        errors=errors,
        total=total,
        rows=rows,
        page=page,
        pages=pages,
        first_shown=(page - 1) * PAGE_SIZE + 1 if rows else 0,
        last_shown=(page - 1) * PAGE_SIZE + len(rows),
        page_url=page_url,
        sort_url=sort_url,
        sort=sort,
        ascending=ascending,
        columns=COLUMNS,
        kinds=KIND_LABELS,
        agents=agents,
        queues=queues,
        categories=categories,
        since=args.get("since") or ("" if args.get("call") and not args.get("until") else _default_since()),
        until=args.get("until") or _today().isoformat(),
        mmss=mmss,
    )


def _today() -> date:
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    today: date = services().clock().now().astimezone(zone).date()
    return today


def _default_since() -> str:
    return (_today() - timedelta(days=DEFAULT_DAYS - 1)).isoformat()


def mmss(seconds: float | None) -> str:
    """12:05 for 725 seconds; empty when unknown."""
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


# -- one recording -----------------------------------------------------------------------------------
@bp.route("/<int:recording_id>")
@requires(Permission.LISTEN_RECORDINGS)
def show(recording_id: int) -> ResponseReturnValue:
    """The recording with its player; for evaluators (REC-07) also its evaluations and the sheet to
    score it with (``?evaluation=<id>``: edit that evaluation)."""
    editing = None
    wanted = int_arg(request.args, "evaluation")
    if wanted is not None and may(Permission.EVALUATE_CALLS):
        editing = evaluations.service().get(wanted)
        if editing.recording_id != recording_id:
            raise NotFound("evaluation", wanted)
        if editing.evaluator_id != _me():  # only the author edits an evaluation
            raise Forbidden(f"evaluation {wanted} is another evaluator's")
    values = evaluations.saved_values(editing) if editing else {"fields": {}, "notes": []}
    return _render_show(recording_id, editing, values, {})


def _render_show(
    recording_id: int,
    editing: Evaluation | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    chosen: str = "",
) -> str:
    row = _visible(recording_id)
    recording = service().get(recording_id)
    may_evaluate = may(Permission.EVALUATE_CALLS)
    if editing is not None:
        sheets = [evaluations.sheet_for_edit(editing)]
    else:
        sheets = evaluations.sheets_for_new(evaluations.service().active_forms()) if may_evaluate else []
    done = evaluations.searched().search(EvaluationQuery(recording_id=recording_id)) if may_evaluate else []
    return render_template(
        "recordings/show.html",
        row=row,
        recording=recording,
        kinds=KIND_LABELS,
        mmss=mmss,
        may_download=may(Permission.DOWNLOAD_RECORDINGS),
        may_hold=may(Permission.SUPERVISE),
        hold_reason_max=HOLD_REASON_MAX,
        may_evaluate=may_evaluate,
        sheets=sheets,
        editing=editing,
        chosen=chosen or (sheets[0].key if sheets else ""),
        values=values,
        errors=errors,
        evaluations=done,
        clock_text=evaluations.clock_text,
        me=_me(),
    )


def _visible(recording_id: int) -> RecordingRow:
    """The recording's row, for every route that shows it, plays it or acts on it (SEC-04, ADM-06):
    404 when there is none; 403, audited as denied, when its call is outside the user's sight, the
    answer of every page under the sight (``apps.web.sight.refuse``). Not a 404 as voicemail gives:
    a refusal that is not audited would hide someone trying recordings one id after another, and
    the ids are no secret (they count up)."""
    row = searched().find(recording_id)
    if row is None:
        raise NotFound("recording", recording_id)
    if not sight().sees_call(row.queue_id, [row.agent_id]):
        refuse()
    return row


def _me() -> int:
    user = current_user()
    assert user is not None  # guaranteed by @requires
    return user.user_id


# -- evaluation (REC-07) ----------------------------------------------------------------------------
@bp.route("/<int:recording_id>/evaluations", methods=["POST"])
@requires(Permission.LISTEN_RECORDINGS, Permission.EVALUATE_CALLS)
def evaluate(recording_id: int) -> ResponseReturnValue:
    """Save a new evaluation; refused input shows the page again with every field's error (422)."""
    user = current_user()
    assert user is not None
    forms = {str(f.id): f for f in evaluations.service().active_forms()}
    raw_form = request.form.get("form_id", "")
    form = forms.get(raw_form)
    criteria = form.criteria if form else ()
    scoring = evaluations.scoring_from_form(request.form, f"f{raw_form}", len(criteria))
    row = _visible(recording_id)
    try:
        saved = evaluations.service().evaluate(
            actor(),
            user.user_id,
            recording_id,
            int(raw_form) if raw_form.isdecimal() and len(raw_form) < 10 else None,
            scoring,
            call_agent_id=row.agent_id,
        )
    except ValidationFailed as error:
        errors = evaluations.error_messages(error, criteria)
        values = evaluations.submitted_values(request.form)
        return _render_show(recording_id, None, values, errors, f"f{raw_form}" if form else ""), 422
    flash(_("The evaluation is saved: %(score)s.", score=percent(saved.score_percent / 100)), "success")
    return redirect(url_for("recordings.show", recording_id=recording_id))


@bp.route("/<int:recording_id>/evaluations/<int:evaluation_id>", methods=["POST"])
@requires(Permission.LISTEN_RECORDINGS, Permission.EVALUATE_CALLS)
def reevaluate(recording_id: int, evaluation_id: int) -> ResponseReturnValue:
    """Change an evaluation (scores, comments, notes); audited with what changed."""
    _visible(recording_id)
    editing = evaluations.service().get(evaluation_id)
    if editing.recording_id != recording_id:
        raise NotFound("evaluation", evaluation_id)
    scoring = evaluations.scoring_from_form(request.form, "edit", len(editing.criteria))
    try:
        saved = evaluations.service().update(actor(), evaluation_id, scoring, editor_id=_me())
    except ValidationFailed as error:
        errors = evaluations.error_messages(error, editing.criteria)
        return _render_show(recording_id, editing, evaluations.submitted_values(request.form), errors), 422
    flash(_("The evaluation is saved: %(score)s.", score=percent(saved.score_percent / 100)), "success")
    return redirect(url_for("recordings.show", recording_id=recording_id))


@bp.route("/<int:recording_id>/audio")
@requires(Permission.LISTEN_RECORDINGS)
def audio(recording_id: int) -> ResponseReturnValue:
    """The WAV for the player, with byte ranges (seeking). Every request goes through the service's
    audited ``audio(..., "listen")``, whatever its Range and If-Range headers say (which part of the
    file is sent is decided after the audit); the service writes one record per user and recording
    in its window, so seeking does not flood the audit log with a record per range."""
    _visible(recording_id)
    try:
        recording, data = service().audio(actor(), recording_id, "listen")
    except ValidationFailed as error:
        return _unavailable(error)
    response = send_file(
        BytesIO(data),
        mimetype="audio/wav",
        conditional=True,
        etag=recording.sha256,
        download_name=f"recording-{recording_id}.wav",
        max_age=0,
    )
    response.headers["Content-Disposition"] = f'inline; filename="recording-{recording_id}.wav"'
    response.headers["Cache-Control"] = "private, no-store"  # personal data: never kept by caches
    return response


@bp.route("/<int:recording_id>/download.wav")
@requires(Permission.DOWNLOAD_RECORDINGS)
def download_wav(recording_id: int) -> ResponseReturnValue:
    _visible(recording_id)
    try:
        recording, data = service().audio(actor(), recording_id, "download")
    except ValidationFailed as error:
        return _unavailable(error)
    return _attachment(data, "audio/wav", _file_name(recording, "wav"))


@bp.route("/<int:recording_id>/download.mp3")
@requires(Permission.DOWNLOAD_RECORDINGS)
def download_mp3(recording_id: int) -> ResponseReturnValue:
    _visible(recording_id)
    try:
        recording, data = service().audio(actor(), recording_id, "download")
    except ValidationFailed as error:
        return _unavailable(error)
    return _attachment(wav_to_mp3(data), "audio/mpeg", _file_name(recording, "mp3"))


def _attachment(data: bytes, mimetype: str, name: str) -> Response:
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _file_name(recording: Recording, extension: str) -> str:
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    started = recording.started_at.astimezone(zone).strftime("%Y%m%d-%H%M%S")
    call = re.sub(r"[^A-Za-z0-9_.-]", "_", recording.call_id)[:60]
    return f"recording-{started}-{call}.{extension}"


def _unavailable(error: ValidationFailed) -> ResponseReturnValue:
    """A purged recording is gone for good (410); a missing file is a 404 with the reason; other
    refusals go to the application's error handler."""
    codes = {e.code for e in error.errors}
    if "recording_purged" in codes:
        message = _("The recording was deleted at the end of its retention period; only its record remains.")
        return render_template("error.html", status=410, message=message), 410
    if "recording_missing" in codes:
        message = _(
            "The recording's audio file is missing from the recording store. "
            "Tell the administrator (kc recordings verify)."
        )
        return render_template("error.html", status=404, message=message), 404
    raise error


# -- legal hold ---------------------------------------------------------------------------------------
@bp.route("/<int:recording_id>/hold", methods=["POST"])
@requires(Permission.SUPERVISE)
def hold(recording_id: int) -> ResponseReturnValue:
    _visible(recording_id)
    on = request.form.get("hold") == "on"
    try:
        service().hold(actor(), recording_id, on, request.form.get("reason", ""))
    except ValidationFailed as error:
        details = "; ".join(str(e["message"]) for e in validation_payload(error))
        flash(_("The change was refused: %(details)s", details=details), "error")
    else:
        flash(_("The legal hold is set.") if on else _("The legal hold is lifted."), "success")
    return redirect(url_for("recordings.show", recording_id=recording_id))
