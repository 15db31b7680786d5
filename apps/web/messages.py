"""Human sentences for the domain's error codes and enum values, translatable (Czech is default)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from kc_domain.callbacks.model import CallbackState
from kc_domain.errors import FieldError
from kc_domain.identity.roles import Role
from kc_domain.outbound.campaigns import CampaignState, DialMode
from kc_domain.outbound.outcomes import OUTCOME_NAMES, Outcome
from kc_domain.plain import capped
from kc_domain.reports import activity

ERRORS = {
    "required": _l("This field is required."),
    "unknown_command": _l("This command does not exist."),
    "unknown_message": _l("This message is not one the page may send."),
    "unexpected_field": _l("This field does not belong to the command."),
    "unsupported_version": _l("This version of the message is not supported; reload the page."),
    "too_long": _l("At most %(max)s characters."),
    "out_of_range": _l("Must be between %(min)s and %(max)s."),
    "not_a_number": _l("Must be a whole number."),
    "below_warning": _l("Must not be lower than the amber threshold (%(warn)s)."),
    "beyond_retention": _l("Reports reach back %(days)s days at most."),
    "in_future": _l("The period cannot end in the future."),
    "bad_time": _l("“%(value)s” is not a time like 08:30."),
    "not_monitoring": _l("You are not in this call."),
    "bad_recipient": _l("“%(value)s” is not an e-mail address."),
    "too_many": _l("At most %(max)s."),
    "outside_access": _l("These filters are outside your report access."),
    "invalid_choice": _l("Not one of the offered values."),
    "duplicate": _l("“%(value)s” already exists."),
    "duplicate_by": _l("%(by)s already has “%(value)s”."),
    "duplicate_combination": _l("This combination already exists: %(combination)s."),
    "unknown_reference": _l("The selected item (id %(id)s) does not exist."),
    "unknown_field": _l("Unknown field."),
    "bad_username": _l("Only letters, digits and . _ - @ are allowed."),
    "bad_email": _l("Not a valid e-mail address."),
    "bad_internal_number": _l("An internal number has 2 to 8 digits."),
    "bad_endpoint": _l(
        "An endpoint is a dial string such as PJSIP/1001 or Local/2101@kc-phones, or a device number."
    ),
    "bad_external_number": _l("An external number is written as +420 and 9 digits (E.164)."),
    "must_be_empty": _l("Leave empty for this kind of target."),
    "overflow_to_itself": _l("A queue cannot overflow to itself."),
    "dtmf_key": _l("One telephone key: a digit, * or #."),
    "bad_target": _l("“%(value)s” is not an agent, a queue or a telephone number (2-8 digits or +420…)."),
    "agent_not_free": _l("Not possible now: the agent is %(state)s."),
    "consultation_open": _l("Finish the consultation first."),
    "no_consultation": _l("There is no consultation on this call."),
    "not_ringing": _l("The call no longer rings."),
    "same_key": _l("The callback and voicemail keys must differ."),
    "bad_interval": _l("“%(value)s” is not a time range like 08:00-17:00."),
    "bad_date": _l("“%(value)s” is not a date like 2026-12-24."),
    "interval_empty": _l("%(interval)s ends before it starts."),
    "interval_overlap": _l("%(first)s and %(second)s overlap."),
    "duplicate_date": _l("The date %(date)s is listed twice."),
    "not_wav": _l("The audio is not a WAV recording."),
    "audio_too_large": _l("The recording is larger than %(max)s bytes."),
    "audio_too_long": _l("The recording is longer than %(max)s seconds."),
    "voicemail_done": _l("This message has already been dealt with."),
    "voicemail_taken": _l("Another agent has already taken this message."),
    "category_cycle": _l("A category cannot be placed under itself or its own subcategory."),
    "last_admin": _l("At least one active administrator must remain."),
    "cannot_delete_self": _l("You cannot delete your own account."),
    "cannot_deactivate_self": _l("You cannot deactivate your own account."),
    "password_too_short": _l("The password must have at least %(min)s characters."),
    "password_needs_digit": _l("The password must contain a digit."),
    "password_needs_upper": _l("The password must contain an upper-case letter."),
    "password_needs_lower": _l("The password must contain a lower-case letter."),
    "password_needs_special": _l("The password must contain a special character."),
    "password_contains_username": _l("The password must not contain the user name."),
    "password_reused": _l("The new password must differ from the current one."),
    "password_mismatch": _l("The passwords do not match."),
    "wrong_password": _l("The password is not correct."),
    "account_locked": _l("The account is locked after repeated failed sign-ins. Try again later."),
    "not_json": _l("The request body must be a JSON object."),
    "bad_datetime": _l("“%(value)s” is not a date and time like 2026-12-24 08:00."),
    "ends_before_start": _l("The end must come after the start."),
    "announcement_needs_content": _l("Give the text to read or the name of a recording."),
    "bad_prompt_name": _l("A recording name has lower-case letters, digits, - and _ only."),
    "bad_prefix": _l("“%(value)s” is not a number prefix (digits, optionally starting with +)."),
    "bad_status": _l("“%(value)s” is not a status flag (lower-case letters, digits, - and _)."),
    "rule_needs_condition": _l("Give at least one number, prefix or status the rule matches."),
    "rule_needs_action": _l("Give what the rule does: a priority, a queue or rejection."),
    "no_skill_in_queue": _l("The agent has no skill in this queue."),
    "sign_in_locked": _l("The administrator does not allow the agent to sign in or out of this queue."),
    "not_answered": _l("The call has not been answered."),
    "empty": _l("Give at least one choice."),
    "invalid_digit": _l("“%(digit)s” is not a phone key (0-9, * or #)."),
    "too_small": _l("Must be at least %(min)s."),
    "unknown_queue": _l("The queue %(queue)s does not exist."),
    "unknown_tree": _l("The IVR tree “%(tree)s” does not exist."),
    "unknown_node": _l("The node “%(node)s” does not exist in this tree."),
    "invalid_interval": _l("“%(value)s” is not a time range like 08:00-17:00."),
    "invalid_regex": _l("“%(value)s” is not a valid regular expression."),
    "unreachable": _l("The node “%(node)s” cannot be reached from the start."),
    "loop_without_exit": _l("The node “%(node)s” is in a loop with no way out."),
    "invalid_type": _l("The value has a wrong type (expected %(expected)s)."),
    "invalid_json": _l("This is not valid JSON: %(reason)s (line %(line)s, column %(column)s)."),
    "bad_tree_name": _l("A tree name has lower-case letters without accents, digits, - and _ only."),
    "invalid_yaml": _l(
        "This is not valid YAML: check the indentation and the colons (line %(line)s, column %(column)s)."
    ),
    "not_a_mapping": _l("The definition must be a mapping with the keys name, start and nodes."),
    "too_deep": _l("The document is nested too deeply (at most %(max)s levels of lists and mappings)."),
    "yaml_alias": _l(
        "The YAML uses anchors and references (aliases), which are not accepted; "
        "write each value out (line %(line)s, column %(column)s)."
    ),
    "document_too_large": _l("The document is too large (at most %(max)s kB)."),
    "bad_choice_line": _l("“%(line)s” is not a choice like 1 = node."),
    "duplicate_choice": _l("The key %(digit)s is given twice."),
    "tree_exists": _l("A tree named “%(tree)s” already exists; edit it instead."),
    "bad_field_key": _l("A key starts with a letter and has lower-case letters, digits and _ only."),
    "bad_number": _l("“%(value)s” is not a number."),
    "bad_insurance_number": _l("“%(value)s” is not a valid insurance number (birth number)."),
    "bad_ico": _l("“%(value)s” is not a valid company number (IČO)."),
    "bad_icis_id": _l("“%(value)s” is not an ICIS identifier (letters, digits, . _ -)."),
    "note_sealed": _l("The note is finished; change it by adding a new version."),
    "category_inactive": _l("This call category is no longer in use."),
    "no_criteria": _l("Give at least one criterion."),
    "unknown_form": _l("Choose an active evaluation form."),
    "no_agent": _l("The recording has no agent to evaluate."),
    "outside_recording": _l("The moment %(offset)s s is outside the recording (0 to %(duration)s s)."),
    "nothing_scored": _l("Score at least one criterion."),
    "recording_purged": _l(
        "The recording was deleted at the end of its retention period; only its record remains."
    ),
    "recording_missing": _l(
        "The recording's audio file is missing from the recording store. "
        "Tell the administrator (kc recordings verify)."
    ),
    "naive_datetime": _l("Give the time with its time zone."),
    "invalid": _l("This value is not accepted."),
    "agent_has_appointment": _l("The agent already has another call agreed at %(at)s."),
    "agent_not_working": _l("The agent does not work at that time."),
    "already_listed": _l("“%(value)s” is on the list already."),
    "bad_key": _l("“%(value)s” is not 1 to 40 letters, digits, _ or -."),
    "bad_phone": _l("This is not a phone number (for example +420 603 123 456)."),
    "bad_retry_rule": _l("A retry needs at least a minute's delay and 1 to 20 attempts."),
    "campaign_stopped": _l("The campaign is stopped; it can no longer be changed."),
    "empty_list": _l("Nobody on the campaign's list is left to call."),
    "end_unreachable": _l("No answer leads to this end state (“%(end)s”)."),
    "final_outcome": _l("This outcome ends the contact; it has no retry."),
    "in_past": _l("The time has passed already."),
    "loop_without_end": _l("Question “%(question)s” is on a loop that never reaches an end."),
    "missing_next": _l("Some answers have nowhere to go: %(choices)s."),
    "no_agents": _l("No agent works this campaign: give agents the campaign's queue."),
    "needs_an_agent": _l(
        "A progressive or predictive campaign dials before an officer takes the call: "
        "give it a number of its own."
    ),
    "no_choices": _l("A choice question needs its choices."),
    "no_condition": _l("The branch needs a lowest or highest value."),
    "no_end_state": _l("The script needs at least one end."),
    "no_questions": _l("The script needs at least one question."),
    "not_a_date": _l("“%(value)s” is not a date like 7. 12. 2026."),
    "not_allowed": _l("This answer type (%(type)s) does not take this."),
    "not_in_list": _l("The contact is no longer on the list."),
    "not_yours": _l("This contact is not the one you are calling now."),
    "attempt_closed": _l(
        "The attempt is closed: its outcome is set and its wrap-up is over, its answers can no longer change."
    ),
    "no_script": _l("The campaign has no call script."),
    "bad_date_format": _l("“%(value)s” is not a date format that names a whole day (like %%d.%%m.%%Y)."),
    "needs_header_row": _l("A column named by its header needs a header row."),
    "phone_column_required": _l("The structure needs a column with the phone number."),
    "reserved_key": _l("“%(value)s” is the name of a field; choose another key."),
    "not_on_path": _l("Question “%(question)s” is not on the way the answers took."),
    "outside_calling_hours": _l("This is outside the campaign's calling hours."),
    "question_unreachable": _l("No answer leads to question “%(question)s”."),
    "too_far": _l("At most %(days)s days ahead."),
    "too_large": _l("At most %(max)s."),
    "too_soon": _l("An abandoned call may be repeated after %(hours)s hours at the earliest."),
    "unknown_choice": _l("The question does not offer “%(choice)s”."),
    "unknown_question": _l("There is no question “%(target)s”."),
    "unknown_target": _l("Nothing is called “%(target)s”: no question or end."),
    "unknown_script": _l("This call script does not exist."),
}

IMPORT_ERRORS = {
    "empty_file": _l("The file is empty."),
    "file_too_large": _l("The file has %(size)s bytes; at most %(max)s can be imported."),
    "wrong_file_type": _l(
        "The file is %(found)s, the structure expects %(expected)s. Save an old .xls file or a "
        "workbook with a password as .xlsx without a password."
    ),
    "wrong_encoding": _l(
        "Row %(row)s cannot be read in the encoding %(encoding)s; the file is probably in %(likely)s. "
        "Choose the right encoding in the structure or save the file again."
    ),
    "wrong_encoding_unknown": _l(
        "Row %(row)s cannot be read in the encoding %(encoding)s. "
        "Choose the right encoding in the structure or save the file again."
    ),
    "mojibake": _l(
        "Row %(row)s has garbled accented letters (the file was converted twice). "
        "Save the file again from its original."
    ),
    "bad_csv": _l("Row %(row)s is not a valid CSV row."),
    "unreadable_workbook": _l("The file cannot be opened as an Excel workbook (.xlsx)."),
    "workbook_too_large": _l("The workbook is too large when unpacked."),
    "sheet_not_found": _l("The workbook has no sheet “%(sheet)s”; its sheets are: %(sheets)s."),
    "not_a_worksheet": _l("The sheet “%(sheet)s” is a chart, not a table."),
    "empty_sheet": _l("The sheet “%(sheet)s” is empty."),
    "wrong_delimiter": _l("The file is separated by “%(found)s”, the structure expects “%(expected)s”."),
    "missing_column": _l("The column “%(header)s” is missing."),
    "missing_column_at": _l("The column %(column)s is missing."),
    "duplicate_header": _l("The column “%(header)s” is in the file twice (%(columns)s)."),
    "unexpected_column": _l("The structure does not know the column “%(header)s” (%(column)s)."),
    "header_only": _l("The file has only the header row, no contacts."),
    "too_many_rows": _l("The file has more than %(max)s rows."),
    "formula_cell": _l(
        "The cell %(column)s%(row)s holds the formula %(value)s; formulas are not calculated. "
        "Paste the values instead (Paste Special → Values)."
    ),
    "cell_too_large": _l("The cell %(column)s%(row)s has %(size)s characters, at most %(max)s."),
    "no_valid_rows": _l("None of the %(rows)s rows can be imported."),
    "more_problems": _l("… and %(count)s more problems."),
    "bad_birth_number": _l("“%(value)s” is not a valid birth number."),
    "bad_client_number": _l("“%(value)s” is not an insurance number."),
    "bad_priority": _l("The priority must be a whole number from %(min)s to %(max)s, not “%(value)s”."),
    "cell_without_header": _l(
        "The value “%(value)s” is in a column without a header; the row is probably shifted."
    ),
    "duplicate_in_list": _l("The number %(value)s is already on row %(first_row)s."),
    "unmapped_column": _l("The column “%(header)s” (%(column)s) is not imported."),
    "known_client": _l("The number %(value)s belongs to a client in the database (%(clients)s)."),
}
"""The import's problem codes (OUT-06, docs/list-import.md); row and column are among the params."""
ERRORS |= IMPORT_ERRORS

JSON_PROBLEMS = {
    "Expecting property name enclosed in double quotes": _l("a key must be in double quotes"),
    "Expecting value": _l("a value is missing"),
    "Expecting ',' delimiter": _l("a comma is missing"),
    "Expecting ':' delimiter": _l("a colon is missing"),
    "Unterminated string starting at": _l("a text does not end with double quotes"),
    "Invalid control character at": _l("a text contains a line break or a tab"),
    "Invalid \\escape": _l("a backslash starts an unknown escape"),
    "Extra data": _l("something follows the end of the definition"),
}
"""What Python's JSON reader reports (``JSONDecodeError.msg``), said for people."""

SIGN_IN_REFUSALS = {
    "bad_credentials": _l("Wrong user name or password."),
    "locked": _l("The account is locked after repeated failed sign-ins. Try again later."),
    "inactive": _l("The account is deactivated. Ask an administrator."),
    "throttled": _l("Too many failed sign-ins from this network address. Try again later."),
}

ROLE_LABELS = {
    Role.ADMIN: _l("KC administrator"),
    Role.SUPERVISOR: _l("KC supervisor"),
    Role.AGENT: _l("KC agent"),
    Role.WALLBOARD: _l("Wallboard"),
    Role.LISTEN_RECORDING: _l("Listen to recordings"),
    Role.DOWNLOAD_RECORDING: _l("Download recordings"),
    Role.QUEUES: _l("Queues"),
    Role.CALLBACK: _l("Callbacks"),
}


def error_text(error: FieldError) -> str:
    params: dict[str, Any] = {key: capped(value) for key, value in error.params.items()}
    code = error.code
    if code == "duplicate":
        if "value" not in params and "node" in params:
            params["value"] = params["node"]  # a duplicate node id of an IVR tree
        if params.get("combination"):
            code = "duplicate_combination"  # a key of several fields, named by the page
        elif params.get("by"):
            code = "duplicate_by"  # who already has it
    if code == "agent_not_free" and params.get("state") in STATES:
        params["state"] = str(STATES[params["state"]])
    if code == "wrong_encoding" and "likely" not in params:
        code = "wrong_encoding_unknown"
    if code == "missing_column" and "header" not in params:
        code = "missing_column_at"
    if code == "invalid_json":
        params["reason"] = str(JSON_PROBLEMS.get(str(params.get("problem", "")), _l("an error")))
    template = ERRORS.get(code)
    if template is None:
        return str(gettext("This value is not accepted."))
    return str(template) % _Blank(params) if params else str(template)


class _Blank(dict[str, Any]):
    """A sentence's values; one the problem does not carry (a column without a header) is blank."""

    def __missing__(self, key: str) -> str:
        return ""


# outbound campaigns (kc_domain.outbound), as their pages show them
DIAL_MODES = {
    DialMode.MANUAL: _l("Manual: the agent dials"),
    DialMode.PREVIEW: _l("Preview: the agent sees the contact first"),
    DialMode.PROGRESSIVE: _l("Progressive: a call per free agent"),
    DialMode.PREDICTIVE: _l("Predictive: dials ahead of free agents"),
}
CAMPAIGN_STATES = {
    CampaignState.DRAFT: _l("Not started"),
    CampaignState.RUNNING: _l("Running"),
    CampaignState.PAUSED: _l("Suspended"),
    CampaignState.STOPPED: _l("Stopped"),
}
ATTEMPT_OUTCOMES = {outcome: _l(msgid) for outcome, msgid in OUTCOME_NAMES.items()}
# the agent's outcome buttons on the desktop's campaign panel, short (apps/web/campaign_desk.py)
OUTCOME_BUTTONS = {
    Outcome.SUCCESS: _l("Success"),
    Outcome.REFUSED: _l("Refused"),
    Outcome.CALLBACK: _l("Call later"),
    Outcome.WRONG_NUMBER: _l("Wrong number"),
    Outcome.NO_ANSWER: _l("Did not get through"),
    Outcome.BUSY: _l("Busy"),
    Outcome.ANSWERING_MACHINE: _l("Answering machine"),
    Outcome.INVALID: _l("Invalid number"),
}


def campaign_refusal(state: CampaignState) -> str:
    """A campaign action its state does not allow (``IllegalCampaignTransition``), in words."""
    return str(
        gettext(
            "Not possible now: the campaign is “%(state)s”. Nothing was changed.",
            state=CAMPAIGN_STATES[state],
        )
    )


# a callback request's state (kc_domain.callbacks), as lists and refusals show it
CALLBACK_STATES = {
    CallbackState.OPEN: _l("Waiting"),
    CallbackState.ASSIGNED: _l("Assigned"),
    CallbackState.DIALLING: _l("Dialling"),
    CallbackState.DONE: _l("Done"),
    CallbackState.FAILED: _l("Not reached"),
    CallbackState.CANCELLED: _l("Cancelled"),
}

# the states an agent or a callback request can be in, as a refusal names them
STATES = {
    "logged_out": _l("logged out"),
    "ready": _l("free"),
    "ringing": _l("ringing"),
    "busy": _l("talking"),
    "wrap_up": _l("wrap-up"),
    "paused": _l("paused"),
    **{state.value: label for state, label in CALLBACK_STATES.items()},
}


def refusal_text(state: str | None) -> str:
    """The routing engine refused an action the present state does not allow: said in words, not
    in the engine's own (English) text."""
    if state in STATES:
        said = STATES[state]
        return str(gettext("Not possible now: the state is “%(state)s”. Nothing was changed.", state=said))
    return str(
        gettext("Not possible in the present state. Nothing was changed; reload the page and try again.")
    )


# how an audited action ended (kc_domain.audit.model.Outcome)
OUTCOMES = {
    "ok": _l("Carried out"),
    "rejected": _l("Refused: invalid input"),
    "denied": _l("Refused: no permission"),
    "failed": _l("Failed (e.g. a wrong password)"),
}


# pauses KC sets by itself (kc_domain.routing.agent), not administered pause codes
def pause_names(pause_codes: Iterable[Any]) -> dict[str, str]:
    """Each pause code by its name in the reader's language (``kc_domain.reports.activity``)."""
    return activity.pause_names(pause_codes, gettext)


# how a call ended (kc_domain.routing.call.CallEnd), as lists and histories show it
CALL_ENDS = {
    "completed": _l("Handled"),
    "abandoned_before_ivr": _l("Hung up before the IVR"),
    "abandoned_in_ivr": _l("Hung up in the IVR"),
    "abandoned_in_queue": _l("Hung up while waiting"),
    "abandoned_ringing": _l("Hung up while ringing"),
    "transferred": _l("Transferred"),
    "overflowed": _l("Sent elsewhere (overflow)"),
    "called_back": _l("Asked for a callback"),
    "voicemail": _l("Voicemail"),
    "ended_by_ivr": _l("Ended in the IVR"),
    "not_reached": _l("Not reached"),
    "dialler_abandoned": _l("Answered, no agent free (dialler)"),
    "rejected": _l("Rejected"),
    "": _l("In progress"),
}

# a call's direction, as lists and histories show it
DIRECTIONS = {"inbound": _l("Incoming"), "outbound": _l("Outgoing")}

# the query parameters a page may refuse, as the error page names them (never the code itself)
PARAMETERS = {
    "id": _l("Identifier"),
    "page": _l("Page"),
    "queue": _l("Queue"),
    "agent": _l("Agent"),
    "since": _l("From"),
    "until": _l("To"),
    "hour": _l("Hour"),
    "category": _l("Call category"),
    "group": _l("Group"),
    "campaign": _l("Campaign"),
    "interval": _l("Interval"),
    "evaluation": _l("Evaluation"),
    "body": _l("The request"),
}


def parameter_label(field: str) -> str:
    """What a refused query parameter is called on the error page ("in the address" when unknown)."""
    label = PARAMETERS.get(field.split(".")[0])
    return str(label) if label is not None else str(_l("A value in the address"))


CELL_NAMED = frozenset({"formula_cell", "cell_too_large"})
"""Import problems whose sentence names the cell itself."""


def import_problem_text(error: FieldError) -> str:
    """An import problem (``ImportProblem.as_field_error``) as a page lists it: "Row 5, column C
    (Telefon): " before the sentence when it has a row and a column."""
    row, column, header = error.params.get("row"), error.params.get("column"), error.params.get("header")
    sentence = error_text(error)
    if row is None or not column or error.code in CELL_NAMED:
        return sentence
    if header:
        where = gettext("Row %(row)s, column %(column)s (%(header)s)", row=row, column=column, header=header)
    else:
        where = gettext("Row %(row)s, column %(column)s", row=row, column=column)
    return f"{where}: {sentence}"
