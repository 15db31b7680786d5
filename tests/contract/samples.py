"""One realistic object of every kind the administration keeps, with the objects it refers to.

``make(uow, n)`` adds the n-th variant (unique names differ by ``n``) and returns it uncommitted;
``change(entity)`` alters every kind of field the entity has, the way the services do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from kc_domain.clients.model import ClientField, FieldType
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.ivr.catalogue import IvrNumber, IvrTreeVersion
from kc_domain.organisation.hours import DateException, OpeningHours, parse_intervals
from kc_domain.organisation.model import (
    AgentGroup,
    AgentSkill,
    Announcement,
    CallCategory,
    CallerRule,
    CategoryKind,
    OverflowKind,
    OverflowTarget,
    PauseCode,
    PauseKind,
    Queue,
    ReportAccessFilter,
    TransferLine,
    TransferLineGroup,
)
from kc_domain.recordings.evaluation import Criterion, Evaluation, EvaluationForm, Scale, Score, TimelineNote
from kc_domain.recordings.model import Recording
from kc_domain.reports.schedule import Frequency, ReportSchedule
from kc_domain.supervision.model import Alert, AlertKind, AlertRule, Severity, Wallboard, WallboardLayout
from kc_domain.voicemail import Voicemail, VoicemailState
from kc_ports.persistence import UnitOfWork

# Monday in two parts around lunch, short Friday, Christmas Eve closed, New Year's Eve mornings only.
HOURS = OpeningHours(
    weekly=(
        parse_intervals("08:00-12:00, 12:30-17:00"),
        parse_intervals("08:00-16:30"),
        parse_intervals("08:00-16:30"),
        parse_intervals("08:00-16:30"),
        parse_intervals("08:00-14:00"),
        (),
        (),
    ),
    exceptions=(
        DateException(date(2025, 12, 24), (), "Štědrý den"),
        DateException(date(2025, 12, 31), parse_intervals("08:00-12:00"), "Silvestr – zkrácená doba"),
    ),
    closed_on_holidays=True,
)
# Microseconds and a time right at the change to summer time, so the round trip must be exact.
CHANGED_AT = datetime(2025, 3, 30, 0, 59, 59, 999_999, tzinfo=UTC)


def _v(text: str, n: int) -> str:
    return text if n == 0 else f"{text} {n}"


def group(uow: UnitOfWork, n: int = 0) -> AgentGroup:
    return uow.groups.add(
        AgentGroup(
            _v("Kontaktní centrum Praha", n),
            "Hlavní pracoviště KKC, Pankrác",
            roles={Role.AGENT, Role.CALLBACK},
        )
    )


def queue(uow: UnitOfWork, n: int = 0) -> Queue:
    return uow.queues.add(
        Queue(
            _v("Platby a dlužné pojistné", n),
            number=f"{2040 + n}",
            group_id=group(uow, n).id,
            sl_target_percent=85,
            sl_threshold_s=25,
            wrap_up_s=45,
            priority=3,
            hours=HOURS,
            overflow=OverflowTarget(OverflowKind.EXTERNAL, "+420800123456"),
        )
    )


def announcement(uow: UnitOfWork, n: int = 0) -> Announcement:
    return uow.announcements.add(
        Announcement(
            _v("Výpadek portálu", n),
            "Klientský portál je mimo provoz.",
            numbers={"+420261105555"},
            valid_from=datetime(2026, 12, 1, 7, 0, 0, 123456, tzinfo=UTC),
            active=True,
        )
    )


def caller_rule(uow: UnitOfWork, n: int = 0) -> CallerRule:
    q = queue(uow, n)
    return uow.caller_rules.add(
        CallerRule(
            _v("VIP klienti", n),
            numbers={"+420602111222"},
            prefixes={"+421"},
            statuses={"vip"},
            priority=1,
            queue_id=q.id,
            position=n,
        )
    )


def ivr_tree(uow: UnitOfWork, n: int = 0) -> IvrTreeVersion:
    definition = {"start": "konec", "nodes": [{"type": "hang_up", "id": "konec"}], "note": _v("Úvod", n)}
    return uow.ivr_trees.add(IvrTreeVersion(f"linka{n}", 1, definition, CHANGED_AT, "admin", active=False))


def ivr_number(uow: UnitOfWork, n: int = 0) -> IvrNumber:
    return uow.ivr_numbers.add(IvrNumber(f"+42026110{n:04d}", f"linka{n}"))


def voicemail(uow: UnitOfWork, n: int = 0) -> Voicemail:
    return uow.voicemails.add(
        Voicemail(
            f"+42060123{n:04d}",
            None,
            _v("Klientská linka", n),
            CHANGED_AT,
            12.5,
            f"vm-{n:04d}",
            frozenset({n + 1}),
            note=_v("Volala paní Nováková", n),
        )
    )


def report_filter(uow: UnitOfWork, n: int = 0) -> ReportAccessFilter:
    q = queue(uow, n)
    return uow.report_filters.add(
        ReportAccessFilter(
            _v("Vedoucí směny Morava", n),
            reports={"lost_calls", "wait_times"},
            queue_ids={q.id},
            group_ids={q.group_id},
        )
    )


def user(uow: UnitOfWork, n: int = 0) -> User:
    report = report_filter(uow, n)
    (group_id,) = report.group_ids
    return uow.users.add(
        User(
            f"jana.dvorakova{n or ''}",
            "Jana Dvořáková",
            roles={Role.SUPERVISOR, Role.LISTEN_RECORDING},
            email="jana.dvorakova@pojistovna.cz",
            agent_number=f"{4711 + n}",
            group_id=group_id,
            language="cs",
            password_hash="$argon2id$v=19$m=65536,t=3,p=4$c29sZW5rYQ$aGFzaA",
            password_changed_at=CHANGED_AT,
            failed_logins=2,
            locked_until=CHANGED_AT + timedelta(minutes=15),
            report_filter_ids={report.id},
        )
    )


def skill(uow: UnitOfWork, n: int = 0) -> AgentSkill:
    agent, q = user(uow, n), queue(uow, n + 100)
    return uow.skills.add(AgentSkill(agent.id, q.id, level=8, priority=2, sign_in_locked=True))


def pause_code(uow: UnitOfWork, n: int = 0) -> PauseCode:
    return uow.pause_codes.add(
        PauseCode(_v("OBED", n), _v("Oběd", n), PauseKind.PRIVATE, max_duration_min=30)
    )


def category(uow: UnitOfWork, n: int = 0) -> CallCategory:
    parent = uow.categories.add(CallCategory(_v("Pojistné události", n)))
    return uow.categories.add(
        CallCategory("Škoda na vozidle", parent_id=parent.id, kind=CategoryKind.PRODUCT)
    )


def transfer_group(uow: UnitOfWork, n: int = 0) -> TransferLineGroup:
    return uow.transfer_groups.add(TransferLineGroup(_v("Pobočky", n), position=2))


def transfer_line(uow: UnitOfWork, n: int = 0) -> TransferLine:
    return uow.transfer_lines.add(
        TransferLine(
            "Pobočka Ostrava – likvidace", "+420596123456", group_id=transfer_group(uow, n).id, position=1
        )
    )


def alert_rule(uow: UnitOfWork, n: int = 0) -> AlertRule:
    return uow.alert_rules.add(
        AlertRule(_v("Dlouhé čekání", n), AlertKind.LONG_WAIT, queue(uow, n).id, 90, Severity.CRITICAL)
    )


def alert(uow: UnitOfWork, n: int = 0) -> Alert:
    return uow.alerts.add(
        Alert(
            rule_id=7 + n,
            kind=AlertKind.LONG_PAUSE,
            subject=f"agent:{12 + n}",
            agent_id=12 + n,
            value=1900.5,
            limit=1800,
            detail="OBED",
            raised_at=datetime(2026, 11, 23, 11, 30, tzinfo=UTC),
        )
    )


def wallboard(uow: UnitOfWork, n: int = 0) -> Wallboard:
    return uow.wallboards.add(
        Wallboard(
            _v("KKC – hlavní sál", n),
            queue_ids={queue(uow, n).id or 0},
            layouts={WallboardLayout.OVERVIEW, WallboardLayout.TODAY},
            rotate_s=15,
        )
    )


def report_schedule(uow: UnitOfWork, n: int = 0) -> ReportSchedule:
    return uow.report_schedules.add(
        ReportSchedule(
            user(uow, n).id or 0,
            _v("Včerejší hovory", n),
            "calls_overview",
            "preset=yesterday&queue=3",
            "xlsx",
            ("vedouci@ozp.example", "kvalita@ozp.example"),
            Frequency.WEEKLY,
            weekday=0,
            at="07:30",
            next_run_at=datetime(2026, 11, 30, 6, 30, tzinfo=UTC),
        )
    )


def client_field(uow: UnitOfWork, n: int = 0) -> ClientField:
    return uow.client_fields.add(
        ClientField(
            f"preferovany_kanal{n or ''}",
            _v("Preferovaný kanál", n),
            FieldType.CHOICE,
            ("telefon", "e-mail", "datová schránka"),
            position=60 + n,
            show_in_list=True,
        )
    )


CRITERIA = (
    Criterion("Pozdrav a představení", Scale.POINTS, 5, 2, "Jméno, pojišťovna, nabídka pomoci"),
    Criterion("Ověření totožnosti", Scale.YES_NO, weight=3),
    Criterion("Nabídka dalších služeb", Scale.POINTS, 3, 1, required=False),
)


def evaluation_form(uow: UnitOfWork, n: int = 0) -> EvaluationForm:
    return uow.evaluation_forms.add(EvaluationForm(_v("Kvalita hovoru KKC", n), CRITERIA))


def evaluation(uow: UnitOfWork, n: int = 0) -> Evaluation:
    agent = user(uow, n)
    recording = uow.recordings.add(
        Recording(f"hovor-{n}", CHANGED_AT, 185.5, f"2025/03/30/hovor-{n}.wav", 2_968_044, "b" * 64, agent.id)
    )
    return uow.evaluations.add(
        Evaluation(
            recording_id=recording.id or 0,
            call_id=recording.call_id,
            agent_id=agent.id or 0,
            form_id=None,
            form_name=_v("Kvalita hovoru KKC", n),
            evaluator_id=agent.id or 0,
            evaluator_name="Jana Dvořáková",
            scores=(
                Score(CRITERIA[0], 4, "Chybělo jméno pojišťovny"),
                Score(CRITERIA[1], 1),
                Score(CRITERIA[2], None),
            ),
            notes=(TimelineNote(12.5, "Skočila klientovi do řeči"), TimelineNote(170.0, "Pěkné shrnutí")),
            comment="Celkově dobrý hovor.",
            score_percent=88.0,
            created_at=CHANGED_AT,
            updated_at=CHANGED_AT + timedelta(minutes=5),
        )
    )


def _change_user(u: User) -> None:
    u.failed_logins += 1
    u.locked_until = None
    u.roles = {Role.ADMIN}  # a set: the attrs converter must still make it a frozenset
    u.full_name, u.active = "Jana Nováková", False


def _change_queue(q: Queue) -> None:
    q.hours = attrs.evolve(HOURS, exceptions=HOURS.exceptions[:1], closed_on_holidays=False)
    q.overflow = OverflowTarget(OverflowKind.VOICEMAIL, "schránka platby")
    q.priority, q.number = 9, ""


def _setter(**values: Any) -> Callable[[Any], None]:
    def change(entity: Any) -> None:
        for name, value in values.items():
            setattr(entity, name, value)

    return change


@attrs.frozen
class Sample:
    name: str
    repo: str
    req: str
    make: Callable[[UnitOfWork, int], Any]
    change: Callable[[Any], None]


SAMPLES = [
    Sample(
        "evaluation_form",
        "evaluation_forms",
        "REC-07",
        evaluation_form,
        _setter(criteria=CRITERIA[1:], active=False, name="Kvalita hovoru AS"),
    ),
    Sample(
        "evaluation",
        "evaluations",
        "REC-07",
        evaluation,
        _setter(
            scores=(Score(CRITERIA[0], 5, ""), Score(CRITERIA[1], 0, "Neověřila"), Score(CRITERIA[2], 3)),
            notes=(),
            comment="",
            score_percent=50.0,
            updated_at=CHANGED_AT + timedelta(days=1),
        ),
    ),
    Sample(
        "ivr_tree",
        "ivr_trees",
        "IN-06",
        ivr_tree,
        _setter(active=True, definition={"start": "x", "nodes": []}),
    ),
    Sample("ivr_number", "ivr_numbers", "IN-06", ivr_number, _setter(tree_name="jina")),
    Sample(
        "voicemail",
        "voicemails",
        "IN-08",
        voicemail,
        _setter(state=VoicemailState.DONE, done_at=CHANGED_AT, note="Vyřízeno", client_ids=frozenset()),
    ),
    Sample("announcement", "announcements", "IN-20", announcement, _setter(active=False, valid_from=None)),
    Sample("caller_rule", "caller_rules", "IN-02", caller_rule, _setter(block=True, prefixes=frozenset())),
    Sample("user", "users", "ADM-02", user, _change_user),
    Sample(
        "group",
        "groups",
        "ADM-03",
        group,
        _setter(description="Odborníci na škody", roles=frozenset({Role.QUEUES})),
    ),
    Sample("queue", "queues", "ADM-05", queue, _change_queue),
    Sample(
        "report_filter",
        "report_filters",
        "ADM-06",
        report_filter,
        _setter(reports={"hourly"}, queue_ids=frozenset(), group_ids={1, 2, 3}),
    ),
    Sample(
        "pause_code",
        "pause_codes",
        "ADM-07",
        pause_code,
        _setter(kind=PauseKind.WORK, max_duration_min=45, active=False),
    ),
    Sample(
        "category",
        "categories",
        "ADM-08",
        category,
        _setter(name="Škoda na majetku", kind=CategoryKind.CALL, active=False),
    ),
    Sample(
        "transfer_group", "transfer_groups", "ADM-09", transfer_group, _setter(name="Partneři", position=7)
    ),
    Sample(
        "transfer_line",
        "transfer_lines",
        "ADM-09",
        transfer_line,
        _setter(number="4410", position=0, group_id=None),
    ),
    Sample("skill", "skills", "ADM-10", skill, _setter(level=10, priority=1, sign_in_locked=False)),
    Sample(
        "client_field",
        "client_fields",
        "CDB-03",
        client_field,
        _setter(type=FieldType.TEXT, choices=(), required=True, active=False, label="Kanál"),
    ),
    Sample("alert_rule", "alert_rules", "RT-06", alert_rule, _setter(limit=0, queue_id=None, active=False)),
    Sample(
        "alert",
        "alerts",
        "RT-06",
        alert,
        _setter(cleared_at=CHANGED_AT, acknowledged_at=CHANGED_AT, acknowledged_by=3),
    ),
    Sample(
        "report_schedule",
        "report_schedules",
        "REP-21",
        report_schedule,
        _setter(recipients=("jiny@ozp.example",), last_error="SMTP refused", failures=2, active=False),
    ),
    Sample(
        "wallboard",
        "wallboards",
        "WB-01",
        wallboard,
        _setter(
            layouts=frozenset(WallboardLayout),
            queue_ids=frozenset(),
            kiosk_token_hash="a" * 64,
            kiosk_token_issued_at=CHANGED_AT,
        ),
    ),
]
