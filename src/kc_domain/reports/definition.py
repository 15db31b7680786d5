"""What every report is made of (REP-23): a key, a title, and a ``build`` that turns the context (the
filter, the journal, names, the reader's language) into tables and charts. The figures' columns are
defined once here (``FIGURES``): a report lists the ones it shows. Adding a report: see
docs/reports.md. Texts are msgids (``N_``), put into the reader's language through ``Context.t``."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from kc_domain.ivr.model import IvrTree
from kc_domain.organisation.model import CallCategory
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import Campaign
from kc_domain.outbound.scripts import CallScript
from kc_domain.reports.chart import bars
from kc_domain.reports.document import Cell, Column, ColumnKind, Table
from kc_domain.reports.figures import CallFigures
from kc_domain.reports.filters import ReportFilter
from kc_domain.texts import N_, Wording

if TYPE_CHECKING:
    from kc_ports.journal import ContactJournal


F = TypeVar("F")


def nowhere(**_extra: object) -> str:
    """No drill-down (an export, a mailed report)."""
    return ""


def no_attempts(_campaigns: Collection[int], _since: datetime, _until: datetime) -> list[CampaignAttempt]:
    return []


def no_script(_campaign: Campaign) -> CallScript | None:
    return None


@attrs.frozen
class Context:
    wanted: ReportFilter
    agents: frozenset[int]  # the agents the report covers (groups resolved); empty: all
    journal: ContactJournal
    thresholds: Mapping[int, int]  # queue id -> service-level threshold (s)
    queue_names: Mapping[int, str]
    agent_names: Mapping[int, str]
    zone: tzinfo
    now: datetime
    words: Wording
    drill: Callable[..., str] = nowhere  # the URL of the calls behind a figure (extra filter parameters)
    trees: Callable[[], Mapping[str, IvrTree]] = dict  # IVR tree name -> its tree (the active version)
    pause_names: Callable[[], Mapping[str, str]] = dict  # pause code -> its name (KC's own too)
    categories: Callable[[], Mapping[int, CallCategory]] = dict  # call category id -> category
    campaigns: Callable[[], Mapping[int, Campaign]] = dict  # campaign id -> campaign
    # the attempts of these campaigns started in [since, until) (``CampaignAttemptRepository``)
    attempts: Callable[[Collection[int], datetime, datetime], Sequence[CampaignAttempt]] = no_attempts
    script: Callable[[Campaign], CallScript | None] = no_script  # the call script its agents run

    def gettext(self, msgid: str, **params: object) -> str:
        return self.words.gettext(msgid, **params)

    def agent_name(self, agent_id: int) -> str:
        """An agent's name; one deleted since is said to be, never shown by id."""
        return self.agent_names.get(agent_id) or self.gettext("Deleted agent")

    def figures(self, group: str) -> dict[Any, CallFigures]:
        return dict(self.journal.figures(self.wanted, group, self.thresholds, self.agents))

    def total(self) -> CallFigures:
        return self.figures("total").get(None, CallFigures())

    def bars(
        self, title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
    ) -> str:
        """A chart (its texts given in the reader's language), its numbers written that way too."""
        return bars(title, categories, series, self.words.number)

    def figure_table(
        self,
        title: str,
        key_label: str,
        rows: Iterable[tuple[Any, Any, str]],
        names: Sequence[str],
        total: Any = None,
        key_kind: ColumnKind = ColumnKind.TEXT,
        catalogue: Mapping[str, Figure[Any]] | None = None,
    ) -> Table:
        """A table of figures (``title`` and ``key_label`` msgids): one row per (label, figures, drill
        URL), the chosen figure columns and an optional total row; the figures of ``catalogue``
        (the call figures, ``FIGURES``, by default)."""
        known = FIGURES if catalogue is None else catalogue
        figures = tuple(Column(name, self.gettext(known[name].label), known[name].kind) for name in names)
        columns = (Column("key", self.gettext(key_label), key_kind), *figures)
        listed = list(rows)
        return Table(
            self.gettext(title),
            columns,
            tuple((label, *(known[n].value(f) for n in names)) for label, f, _url in listed),
            None if total is None else ("", *(known[n].value(total) for n in names)),
            tuple(url for _label, _f, url in listed),
        )


@attrs.frozen
class Built:
    tables: tuple[Table, ...]
    charts: tuple[str, ...] = ()


@attrs.frozen
class Report:
    key: str
    title: str  # a msgid
    build: Callable[[Context], Built]
    for_agents: bool = False  # an agent without report rights sees it, with their own figures
    notes: tuple[str, ...] | None = None  # definitions under it (msgids); None: the call reports'


@attrs.frozen
class Figure(Generic[F]):
    label: str  # a msgid
    kind: ColumnKind
    value: Callable[[F], Cell]


# every figure a call report can show, defined once (docs/metrics.md)
FIGURES: dict[str, Figure[CallFigures]] = {
    "calls": Figure(N_("All calls"), ColumnKind.INT, lambda f: f.calls),
    "inbound": Figure(N_("Inbound"), ColumnKind.INT, lambda f: f.inbound),
    "outbound": Figure(N_("Outbound"), ColumnKind.INT, lambda f: f.outbound),
    "outbound_connected": Figure(N_("Outbound connected"), ColumnKind.INT, lambda f: f.outbound_connected),
    "answered": Figure(N_("Answered"), ColumnKind.INT, lambda f: f.answered),
    "lost": Figure(N_("Lost"), ColumnKind.INT, lambda f: f.lost),
    "transferred": Figure(N_("Transferred"), ColumnKind.INT, lambda f: f.transferred),
    "called_back": Figure(N_("Chose a callback"), ColumnKind.INT, lambda f: f.called_back),
    "lost_before_ivr": Figure(N_("Lost before the IVR"), ColumnKind.INT, lambda f: f.lost_before_ivr),
    "lost_in_ivr": Figure(N_("Lost in the IVR"), ColumnKind.INT, lambda f: f.lost_in_ivr),
    "lost_in_queue": Figure(N_("Lost waiting in the queue"), ColumnKind.INT, lambda f: f.lost_in_queue),
    "lost_ringing": Figure(N_("Lost ringing at an agent"), ColumnKind.INT, lambda f: f.lost_ringing),
    "short_abandons": Figure(N_("Of those within 5 s"), ColumnKind.INT, lambda f: f.short_abandons),
    "service_level": Figure(N_("Service level"), ColumnKind.PERCENT, lambda f: f.service_level),
    "lost_share": Figure(N_("Lost of answered and lost"), ColumnKind.PERCENT, lambda f: f.lost_share),
    "average_wait": Figure(N_("Average wait"), ColumnKind.SECONDS, lambda f: f.average_wait_s),
    "average_queue_wait": Figure(
        N_("Average wait in queue"), ColumnKind.SECONDS, lambda f: f.average_queue_wait_s
    ),
    "average_talk": Figure(N_("Average talk"), ColumnKind.SECONDS, lambda f: f.average_talk_s),
    "talk": Figure(N_("Talk time"), ColumnKind.SECONDS, lambda f: round(f.talk_s, 1)),
    "average_outbound_talk": Figure(
        N_("Average outbound call"), ColumnKind.SECONDS, lambda f: f.average_outbound_talk_s
    ),
    "wait_10": Figure(N_("Wait up to 10 s"), ColumnKind.INT, lambda f: f.wait_10),
    "wait_20": Figure(N_("10–20 s"), ColumnKind.INT, lambda f: f.wait_20),
    "wait_30": Figure(N_("20–30 s"), ColumnKind.INT, lambda f: f.wait_30),
    "wait_more": Figure(N_("over 30 s"), ColumnKind.INT, lambda f: f.wait_more),
    "ring_10": Figure(N_("Ringing up to 10 s"), ColumnKind.INT, lambda f: f.ring_10),
    "ring_20": Figure(N_("10–20 s"), ColumnKind.INT, lambda f: f.ring_20),
    "ring_30": Figure(N_("20–30 s"), ColumnKind.INT, lambda f: f.ring_30),
    "ring_more": Figure(N_("over 30 s"), ColumnKind.INT, lambda f: f.ring_more),
}
