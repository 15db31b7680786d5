"""What every report is made of (REP-23): a key, a title, and a ``build`` that turns the context (the
filter, the journal, names) into tables and charts. The figures' columns are defined once here
(``FIGURES``): a report lists the ones it shows. Adding a report: see docs/reports.md."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from flask_babel import lazy_gettext as _l

from kc_domain.reports.document import Cell, Column, ColumnKind, Table
from kc_domain.reports.figures import CallFigures
from kc_domain.reports.filters import ReportFilter


@attrs.frozen
class Context:
    wanted: ReportFilter
    agents: frozenset[int]  # the agents the report covers (groups resolved); empty: all
    journal: Any  # kc_ports.journal.ContactJournal
    thresholds: Mapping[int, int]  # queue id -> service-level threshold (s)
    queue_names: Mapping[int, str]
    agent_names: Mapping[int, str]
    zone: ZoneInfo
    now: datetime
    drill: Callable[..., str]  # the URL of the calls behind a figure (extra filter parameters)
    trees: Callable[[], Mapping[str, Any]] = dict  # IVR tree name -> its tree (the active version)
    pause_names: Callable[[], Mapping[str, str]] = dict  # pause code -> its name (KC's own too)

    def agent_name(self, agent_id: int) -> str:
        """An agent's name; one deleted since is said to be, never shown by id."""
        return self.agent_names.get(agent_id) or str(_l("Deleted agent"))

    def figures(self, group: str) -> dict[Any, CallFigures]:
        return dict(self.journal.figures(self.wanted, group, self.thresholds, self.agents))

    def total(self) -> CallFigures:
        return self.figures("total").get(None, CallFigures())


@attrs.frozen
class Built:
    tables: tuple[Table, ...]
    charts: tuple[str, ...] = ()


@attrs.frozen
class Report:
    key: str
    title: Any  # a lazy text
    build: Callable[[Context], Built]
    for_agents: bool = False  # an agent without report rights sees it, with their own figures


@attrs.frozen
class Figure:
    label: Any
    kind: ColumnKind
    value: Callable[[CallFigures], Cell]


# every figure a call report can show, defined once (docs/metrics.md)
FIGURES: dict[str, Figure] = {
    "calls": Figure(_l("All calls"), ColumnKind.INT, lambda f: f.calls),
    "inbound": Figure(_l("Inbound"), ColumnKind.INT, lambda f: f.inbound),
    "outbound": Figure(_l("Outbound"), ColumnKind.INT, lambda f: f.outbound),
    "outbound_connected": Figure(_l("Outbound connected"), ColumnKind.INT, lambda f: f.outbound_connected),
    "answered": Figure(_l("Answered"), ColumnKind.INT, lambda f: f.answered),
    "lost": Figure(_l("Lost"), ColumnKind.INT, lambda f: f.lost),
    "transferred": Figure(_l("Transferred"), ColumnKind.INT, lambda f: f.transferred),
    "called_back": Figure(_l("Chose a callback"), ColumnKind.INT, lambda f: f.called_back),
    "lost_before_ivr": Figure(_l("Lost before the IVR"), ColumnKind.INT, lambda f: f.lost_before_ivr),
    "lost_in_ivr": Figure(_l("Lost in the IVR"), ColumnKind.INT, lambda f: f.lost_in_ivr),
    "lost_in_queue": Figure(_l("Lost waiting in the queue"), ColumnKind.INT, lambda f: f.lost_in_queue),
    "lost_ringing": Figure(_l("Lost ringing at an agent"), ColumnKind.INT, lambda f: f.lost_ringing),
    "short_abandons": Figure(_l("Of those within 5 s"), ColumnKind.INT, lambda f: f.short_abandons),
    "service_level": Figure(_l("Service level"), ColumnKind.PERCENT, lambda f: f.service_level),
    "lost_share": Figure(_l("Lost of answered and lost"), ColumnKind.PERCENT, lambda f: f.lost_share),
    "average_wait": Figure(_l("Average wait"), ColumnKind.SECONDS, lambda f: f.average_wait_s),
    "average_queue_wait": Figure(
        _l("Average wait in queue"), ColumnKind.SECONDS, lambda f: f.average_queue_wait_s
    ),
    "average_talk": Figure(_l("Average talk"), ColumnKind.SECONDS, lambda f: f.average_talk_s),
    "talk": Figure(_l("Talk time"), ColumnKind.SECONDS, lambda f: round(f.talk_s, 1)),
    "average_outbound_talk": Figure(
        _l("Average outbound call"), ColumnKind.SECONDS, lambda f: f.average_outbound_talk_s
    ),
    "wait_10": Figure(_l("Wait up to 10 s"), ColumnKind.INT, lambda f: f.wait_10),
    "wait_20": Figure(_l("10–20 s"), ColumnKind.INT, lambda f: f.wait_20),
    "wait_30": Figure(_l("20–30 s"), ColumnKind.INT, lambda f: f.wait_30),
    "wait_more": Figure(_l("over 30 s"), ColumnKind.INT, lambda f: f.wait_more),
    "ring_10": Figure(_l("Ringing up to 10 s"), ColumnKind.INT, lambda f: f.ring_10),
    "ring_20": Figure(_l("10–20 s"), ColumnKind.INT, lambda f: f.ring_20),
    "ring_30": Figure(_l("20–30 s"), ColumnKind.INT, lambda f: f.ring_30),
    "ring_more": Figure(_l("over 30 s"), ColumnKind.INT, lambda f: f.ring_more),
}


def figure_table(
    title: Any,
    key_label: Any,
    rows: Iterable[tuple[str, CallFigures, str]],
    names: Sequence[str],
    total: CallFigures | None = None,
    key_kind: ColumnKind = ColumnKind.TEXT,
) -> Table:
    """A table of figures: one row per (label, figures, drill URL), the chosen figure columns and
    an optional total row."""
    figures = tuple(Column(name, str(FIGURES[name].label), FIGURES[name].kind) for name in names)
    columns = (Column("key", str(key_label), key_kind), *figures)
    listed = list(rows)
    return Table(
        str(title),
        columns,
        tuple((label, *(FIGURES[n].value(f) for n in names)) for label, f, _url in listed),
        None if total is None else ("", *(FIGURES[n].value(total) for n in names)),
        tuple(url for _label, _f, url in listed),
    )
