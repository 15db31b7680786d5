"""ContactService: what the agent records about a call and the agent's own history and statistics.

Writers are the agent who handled the call (the journal's ``agent_id``) or a supervisor; anyone with
the desktop may read. Every change and every refusal is audited (``AuditTrail.run``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.contacts.model import (
    CallPhase,
    ContactRecord,
    NoteVersion,
    category_refusal,
    latest,
    write_note,
)
from kc_domain.contacts.stats import PERIODS, PersonalStats, period_stats, unique_ids
from kc_domain.errors import Forbidden, NotFound, ValidationFailed
from kc_domain.routing.projection import Interaction, missed_by, still_missed

if TYPE_CHECKING:
    from kc_ports.journal import ContactHistory
    from kc_ports.persistence import ContactDeskUnit, UnitFactory
    from kc_ports.system import Clock

T = TypeVar("T")
SEARCH_SCAN = 5000  # at most this many of the agent's calls in a period are searched through
CLIENT_MATCHES = 200  # at most this many clients found by name take part in a search
LAST_CALLS_DAYS = 90
MISSED_HISTORY = 5  # of each missed caller's latest contacts, shown with the missed call


@attrs.frozen
class CallRecord:
    """A call with everything recorded about it: the ``GET .../record`` answer."""

    call: Interaction
    record: ContactRecord
    notes: tuple[NoteVersion, ...]
    phase: CallPhase


@attrs.frozen
class MissedCall:
    """A missed call still to return (AG-17, IN-26), with the caller's latest contacts."""

    call: Interaction
    history: tuple[Interaction, ...]


@attrs.frozen
class CallSummary:
    """One line of a call history (AG-05, AG-07, AG-09, AG-15)."""

    call_id: str
    at: datetime | None  # arrival (UTC)
    direction: str
    caller: str
    queue_id: int | None
    agent_id: int | None
    agent_name: str
    client_id: int | None
    category_id: int | None
    note: str  # the latest version's text (a draft included)
    note_versions: int
    talk_s: float | None
    end_stage: str
    recording: str = ""  # reference to the recording, once recordings exist
    client_name: str = ""
    handed_on: bool = False  # in an agent's own history: she transferred it to ``agent_name``


class ContactService:
    def __init__(
        self,
        uow_factory: UnitFactory[ContactDeskUnit],
        clock: Clock,
        audit: AuditTrail,
        journal: ContactHistory,
        client_ids_matching: Callable[[str], set[int]] | None = None,
    ) -> None:
        self._uow_factory, self._clock, self._audit, self._journal = uow_factory, clock, audit, journal
        self._client_ids_matching = client_ids_matching

    # -- reading -------------------------------------------------------------------------------
    def record(self, call_id: str, live: Callable[[], Interaction | None] | None = None) -> CallRecord:
        """The call, its contact record (an empty one when nothing was recorded) and every note version.
        ``live``: the call as the engine has it, asked only while the journal has not written the call
        (it does so a moment after the engine told the desktop): a call has its record from the start."""
        call = self._journal.interaction(call_id) or (live() if live is not None else None)
        if call is None:
            raise NotFound("call", call_id)
        with self._uow_factory() as uow:
            record = uow.contacts.get(call_id) or ContactRecord(call_id, agent_id=call.agent_id)
            notes = tuple(uow.contacts.notes(call_id))
        return CallRecord(call, record, notes, self._phase(call))

    def history_for(
        self, caller: str, client_id: int | None, limit: int = 20, *, exclude: str = ""
    ) -> list[CallSummary]:
        """Earlier calls of the number and, with ``client_id``, of the client from other numbers,
        newest first (AG-05, AG-07); ``exclude``: a call id left out (the current call)."""
        return self.history_of([caller] if caller else [], client_id, limit, exclude=exclude)

    def history_of(
        self, numbers: Collection[str], client_id: int | None, limit: int = 20, *, exclude: str = ""
    ) -> list[CallSummary]:
        """The calls of any of these numbers and, with ``client_id``, those recorded for the client:
        a client card's contact history (CDB-03) over all the client's phones; newest first."""
        calls: dict[str, Interaction] = {}
        for number in numbers:
            calls.update((c.call_id, c) for c in self._journal.calls_of(number, limit + 1))
        if client_id is not None:
            with self._uow_factory() as uow:
                known = {r.call_id for r in uow.contacts.for_client(client_id, limit + 1)}
            calls.update(self._journal.interactions_of(known - set(calls)))
        calls.pop(exclude, None)
        return self._summaries(_newest_first(calls.values())[:limit])

    def my_calls(
        self, agent_id: int, since: datetime, until: datetime, text: str = "", limit: int = 100
    ) -> list[CallSummary]:
        """The agent's calls arrived in [since, until), newest first (AG-09); ``text`` keeps those whose
        note (any version) contains it or whose client's name matches it."""
        wanted = text.strip()
        rows = self._journal.interactions(
            since, until, agent_id=agent_id, limit=SEARCH_SCAN if wanted else limit
        )
        rows = _newest_first([*rows, *self._handed_on(agent_id, since, until, {r.call_id for r in rows})])
        if wanted:
            clients = self._clients_matching(wanted)
            with self._uow_factory() as uow:
                hits = uow.contacts.matching([r.call_id for r in rows], wanted, clients)
            rows = [r for r in rows if r.call_id in hits]
        return self._summaries(rows[:limit], viewer=agent_id)

    def _handed_on(
        self, agent_id: int, since: datetime, until: datetime, known: set[str]
    ) -> list[Interaction]:
        """The calls of [since, until) the agent talked in and transferred to someone else: the
        journal keeps each call under its last agent, her state intervals name the calls she had."""
        talked = {i.call_id for i in self._journal.intervals(agent_id, since, until) if i.call_id}
        found = self._journal.interactions_of(talked - known).values()
        return [r for r in found if r.arrived_at is not None and since <= r.arrived_at < until]

    def last_calls(self, agent_id: int, limit: int = 10) -> list[CallSummary]:
        """The latest calls the agent answered (AG-15), newest first."""
        now = self._clock.now()
        rows = self._journal.interactions(
            now - timedelta(days=LAST_CALLS_DAYS),
            now + timedelta(minutes=1),
            agent_id=agent_id,
            answered_only=True,
            limit=limit,
        )
        return self._summaries(rows)

    def missed_to_return(self, agent_id: int, queue_ids: Collection[int], hours: int) -> list[MissedCall]:
        """The calls the agent should return, from the last ``hours`` (AG-17, IN-26): those she missed
        herself (``missed_by``) and the missed calls of her queues; one per caller, without callers
        reached since or with a callback request open (``still_missed``), newest first."""
        until = self._clock.now()
        since = until - timedelta(hours=hours)
        queues = unique_ids(queue_ids)
        rows = {r.call_id: r for r in self._journal.missed_calls(since, until, queues)} if queues else {}
        mine = self._journal.interactions(since, until, agent_id=agent_id)
        rows.update((r.call_id, r) for r in mine if missed_by(r) == agent_id)
        return self._still_to_return(rows.values())

    def missed_of_queues(self, queue_ids: Collection[int], hours: int) -> list[MissedCall]:
        """The missed calls of these queues (none given: of every queue) from the last ``hours``
        still to return (AG-17, IN-26), with each caller's latest contacts, as ``missed_to_return``."""
        until = self._clock.now()
        return self._still_to_return(
            self._journal.missed_calls(until - timedelta(hours=hours), until, unique_ids(queue_ids))
        )

    def _still_to_return(self, rows: Iterable[Interaction]) -> list[MissedCall]:
        """One per caller, without callers reached since or with a callback request open
        (``still_missed``), newest first, each with the caller's latest contacts."""
        with self._uow_factory() as uow:
            open_callers = {r.caller for r in uow.callbacks.active()}
        histories: dict[str, list[Interaction]] = {}

        def contacts_of(caller: str) -> list[Interaction]:
            if caller not in histories:
                histories[caller] = self._journal.calls_of(caller, MISSED_HISTORY * 4)
            return histories[caller]

        return [
            MissedCall(row, tuple(contacts_of(row.caller)[:MISSED_HISTORY]))
            for row in still_missed(rows, contacts_of, open_callers)
        ]

    def personal_stats(
        self, agent_id: int, queue_ids: Collection[int], now: datetime | None = None
    ) -> PersonalStats:
        """Handled and lost calls and the service level for 24 h, 7, 14 and 30 days (AG-08)."""
        now = now or self._clock.now()
        queues = unique_ids(queue_ids)
        with self._uow_factory() as uow:
            administered = {q.id: q for q in uow.queues.list() if q.id is not None}
        sl = {
            q: (administered[q].sl_threshold_s, administered[q].sl_target_percent)
            for q in queues
            if q in administered
        }
        thresholds = {q: float(s) for q, (s, _target) in sl.items()}
        all_thresholds = {q: float(v.sl_threshold_s) for q, v in administered.items()}
        periods = []
        for name, length in PERIODS:
            since = now - length
            mine = self._journal.tally(since, now, all_thresholds, agent_id=agent_id)
            lost = self._journal.tally(since, now, thresholds, queue_ids=queues) if queues else {}
            periods.append(period_stats(name, since, now, mine, lost, queues, sl))
        return PersonalStats(agent_id, now, queues, tuple(periods))

    # -- writing -------------------------------------------------------------------------------
    def save_note(
        self,
        actor: Actor,
        agent_id: int,
        call_id: str,
        text: object,
        *,
        final: bool = False,
        may_supervise: bool = False,
    ) -> CallRecord:
        """Autosave the open draft while the call is live or in wrap-up; ``final`` (or any save once the
        wrap-up is over) seals it as version 1."""
        return self._note(actor, agent_id, call_id, text, final, False, may_supervise)

    def amend_note(
        self, actor: Actor, agent_id: int, call_id: str, text: object, *, may_supervise: bool = False
    ) -> CallRecord:
        """A new sealed version (or the open draft sealed with this text); earlier versions stay."""
        return self._note(actor, agent_id, call_id, text, True, True, may_supervise)

    def set_category(
        self,
        actor: Actor,
        agent_id: int,
        call_id: str,
        category_id: int | None,
        *,
        may_supervise: bool = False,
    ) -> CallRecord:
        """Categorise the call (AG-13) with an active call category; may be changed later (audited)."""

        def change(uow: ContactDeskUnit, record: ContactRecord, _phase: CallPhase) -> dict[str, Any]:
            if category_id is not None:
                if not isinstance(category_id, int) or isinstance(category_id, bool):
                    raise ValidationFailed.one("category_id", "not_a_number")
                refusal = category_refusal(uow.categories.get(category_id))
                if refusal is not None:
                    raise ValidationFailed.one("category_id", refusal, id=category_id)
            before, record.category_id = record.category_id, category_id
            return {"before": before, "after": category_id}

        return self._change(actor, agent_id, call_id, "contact.category", may_supervise, change)

    def set_client(
        self, actor: Actor, agent_id: int, call_id: str, client_id: int | None, *, may_supervise: bool = False
    ) -> CallRecord:
        """Name the client the call was with (IN-12), or None when not identified."""

        def change(uow: ContactDeskUnit, record: ContactRecord, _phase: CallPhase) -> dict[str, Any]:
            if client_id is not None:
                if not isinstance(client_id, int) or isinstance(client_id, bool):
                    raise ValidationFailed.one("client_id", "not_a_number")
                clients = getattr(uow, "clients", None)
                if clients is not None and clients.get(client_id) is None:
                    raise ValidationFailed.one("client_id", "unknown_reference", id=client_id)
            before, record.client_id = record.client_id, client_id
            return {"before": before, "after": client_id}

        return self._change(actor, agent_id, call_id, "contact.client", may_supervise, change)

    def set_recording_opt_out(
        self, actor: Actor, agent_id: int, call_id: str, opt_out: bool, *, may_supervise: bool = False
    ) -> CallRecord:
        """Keep the agent's "do not record" choice on the call (REC-01)."""

        def change(uow: ContactDeskUnit, record: ContactRecord, _phase: CallPhase) -> dict[str, Any]:
            if not isinstance(opt_out, bool):
                raise ValidationFailed.one("recording_opt_out", "invalid_type", expected="true/false")
            before, record.recording_opt_out = record.recording_opt_out, opt_out
            return {"before": before, "after": opt_out}

        return self._change(actor, agent_id, call_id, "contact.recording", may_supervise, change)

    # -- internals -----------------------------------------------------------------------------
    def _note(
        self,
        actor: Actor,
        agent_id: int,
        call_id: str,
        text: object,
        final: bool,
        amend: bool,
        may_supervise: bool,
    ) -> CallRecord:
        def change(uow: ContactDeskUnit, record: ContactRecord, phase: CallPhase) -> dict[str, Any]:
            versions = uow.contacts.notes(call_id)
            author = uow.users.get(agent_id)
            note = write_note(
                call_id,
                versions,
                text,
                phase=phase,
                final=final,
                amend=amend,
                author_id=agent_id,
                author_name=author.full_name if author is not None else "",
                at=self._clock.now(),
            )
            if note is not latest(versions):
                uow.contacts.save_note(note)
            return {"number": note.number, "draft": note.draft, "chars": len(note.text)}

        action = "contact.note_amend" if amend else "contact.note"
        return self._change(actor, agent_id, call_id, action, may_supervise, change)

    def _change(
        self,
        actor: Actor,
        agent_id: int,
        call_id: str,
        action: str,
        may_supervise: bool,
        apply: Callable[[ContactDeskUnit, ContactRecord, CallPhase], dict[str, Any]],
    ) -> CallRecord:
        # The journal is read before the unit of work begins: on SQLite a second connection would
        # wait for the unit's write lock.
        found = self._journal.interaction(call_id)
        phase = CallPhase.FINISHED if found is None else self._phase(found)

        def change(uow: ContactDeskUnit) -> tuple[CallRecord, dict[str, Any]]:
            if found is None:
                raise NotFound("call", call_id)
            if found.agent_id != agent_id and not may_supervise:
                raise Forbidden(f"call {call_id} was handled by agent {found.agent_id}, not {agent_id}")
            record = uow.contacts.get(call_id) or ContactRecord(call_id)
            params = apply(uow, record, phase)
            record.agent_id = found.agent_id
            record.updated_at, record.version = self._clock.now(), record.version + 1
            uow.contacts.save(record)
            notes = tuple(uow.contacts.notes(call_id))
            result = CallRecord(found, record, notes, phase)
            return result, {"agent_id": agent_id, **params}

        return self._audit.run(self._uow_factory, actor, action, "call", call_id, change)

    def _phase(self, call: Interaction) -> CallPhase:
        if call.ended_at is None:
            return CallPhase.LIVE
        if call.agent_id is not None:
            until = max(self._clock.now(), call.ended_at) + timedelta(seconds=1)
            for interval in self._journal.intervals(call.agent_id, call.ended_at, until):
                wrapping = interval.state == "wrap_up" and interval.ended_at is None
                if wrapping and interval.call_id == call.call_id:
                    return CallPhase.WRAP_UP
        return CallPhase.FINISHED

    def _clients_matching(self, text: str) -> set[int]:
        if self._client_ids_matching is not None:
            return self._client_ids_matching(text)
        with self._uow_factory() as uow:
            clients = getattr(uow, "clients", None)
            if clients is None:
                return set()
            return {c.id for c in clients.search(text, CLIENT_MATCHES) if c.id is not None}

    def _summaries(self, calls: list[Interaction], viewer: int | None = None) -> list[CallSummary]:
        """History lines; for ``viewer``'s own history, a call that went on with another agent is
        marked handed on (to that agent), not with the outcome the other agent reached."""
        ids = [c.call_id for c in calls]
        with self._uow_factory() as uow:
            records = uow.contacts.records_of(ids)
            notes = uow.contacts.notes_of(ids)
            names = {u.id: u.full_name for u in uow.users.list()}
            client_ids = {r.client_id for r in records.values() if r.client_id is not None}
            clients = {i: c.name for i in sorted(client_ids) if (c := uow.clients.get(i)) is not None}
        items = []
        for call in calls:
            record = records.get(call.call_id)
            versions = notes.get(call.call_id, [])
            last = latest(versions)
            items.append(
                CallSummary(
                    call_id=call.call_id,
                    at=call.arrived_at,
                    direction=call.direction,
                    caller=call.caller,
                    queue_id=call.queue_id,
                    agent_id=call.agent_id,
                    agent_name=names.get(call.agent_id, "") if call.agent_id is not None else "",
                    client_id=record.client_id if record else None,
                    category_id=record.category_id if record else None,
                    note=last.text if last else "",
                    note_versions=len(versions),
                    talk_s=call.talk_s,
                    end_stage=call.end_stage,
                    client_name=clients.get(record.client_id, "") if record and record.client_id else "",
                    handed_on=viewer is not None and call.agent_id != viewer,
                )
            )
        return items


def _newest_first(calls: Collection[Interaction]) -> list[Interaction]:
    return sorted(calls, key=lambda c: (c.arrived_at is not None, c.arrived_at, c.call_id), reverse=True)
