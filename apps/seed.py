"""Demo data: a small but realistic OZP-like contact centre, created through the audited admin service."""

from __future__ import annotations

from datetime import date
from typing import Any

from kc_domain.admin.service import AdminService
from kc_domain.audit.service import SYSTEM
from kc_domain.identity.roles import Role
from kc_domain.ivr.catalogue import IvrCatalogue
from kc_domain.organisation.hours import DateException, OpeningHours, parse_intervals
from kc_domain.organisation.model import CategoryKind, OverflowKind, OverflowTarget, PauseKind

DEMO_PASSWORD = "Kontakt-2026"

# (username, full name, roles, group, agent number)
USERS = [
    ("admin", "Alena Adámková", {Role.ADMIN}, None, ""),
    ("supervizor", "Petr Svoboda", {Role.SUPERVISOR, Role.LISTEN_RECORDING, Role.CALLBACK}, "KKC", "2001"),
    ("fronty", "Jana Dvořáková", {Role.QUEUES}, "KKC", ""),
    ("novakova", "Marie Nováková", {Role.AGENT}, "KKC", "2101"),
    ("horak", "Tomáš Horák", {Role.AGENT, Role.CALLBACK}, "KKC", "2102"),
    ("cerna", "Lucie Černá", {Role.AGENT}, "KKC", "2103"),
    ("prochazka", "Jan Procházka", {Role.AGENT}, "AS", "2201"),
    ("kucerova", "Eva Kučerová", {Role.AGENT}, "AS", "2202"),
    ("nahravky", "Karel Veselý", {Role.DOWNLOAD_RECORDING}, None, ""),
    ("nastenka", "Wallboard KKC", {Role.WALLBOARD}, None, ""),
]

WEEKDAY_HOURS = "08:00-17:00"


def _hours(mon_thu: str, fri: str, weekend: str = "", holidays_closed: bool = True) -> OpeningHours:
    days = [mon_thu] * 4 + [fri] + [weekend] * 2
    return OpeningHours(
        tuple(parse_intervals(d) for d in days),
        (
            DateException(date(2026, 12, 24), parse_intervals("08:00-12:00"), "Štědrý den"),
            DateException(date(2026, 12, 31), parse_intervals("08:00-13:00"), "Silvestr"),
        ),
        holidays_closed,
    )


def seed(admin: AdminService) -> dict[str, Any]:
    """Create the demo organisation unless users already exist; returns what was created."""
    if admin.list("user"):
        return {}
    ids: dict[str, int] = {}

    def make(kind: str, key: str, values: dict[str, Any], **extra: Any) -> int:
        entity = admin.create(SYSTEM, kind, values, **extra)
        ids[f"{kind}:{key}"] = entity.id
        return int(entity.id)

    make("group", "KKC", {"name": "KKC", "description": "Klientské kontaktní centrum", "roles": {Role.AGENT}})
    make("group", "AS", {"name": "AS", "description": "Asistenční služba", "roles": {Role.AGENT}})
    make("group", "EXT", {"name": "Externí call centrum", "description": "Přepad ve špičkách"})

    for username, name, roles, group, number in USERS:
        make(
            "user",
            username,
            {
                "username": username,
                "full_name": name,
                "roles": roles,
                "group_id": ids.get(f"group:{group}"),
                "agent_number": number,
                "email": f"{username}@ozp.example",
            },
            password=DEMO_PASSWORD,
        )

    office = _hours(WEEKDAY_HOURS, "08:00-15:00")
    make(
        "queue",
        "obecna",
        {
            "name": "Obecná linka",
            "number": "+420261105555",
            "group_id": ids["group:KKC"],
            "hours": office,
            "sl_threshold_s": 20,
            "overflow": OverflowTarget(OverflowKind.VOICEMAIL, "obecna"),
            "announce_every_s": 45,  # IN-10
            "callback_key": "1",  # IN-09
            "voicemail_key": "2",  # IN-08
        },
    )
    make(
        "queue",
        "platby",
        {
            "name": "Platby a dlužné pojistné",
            "number": "+420261105556",
            "group_id": ids["group:KKC"],
            "hours": office,
            "wrap_up_s": 45,
            "overflow": OverflowTarget(OverflowKind.QUEUE, str(ids["queue:obecna"])),
            "announce_every_s": 60,
            "callback_key": "1",
        },
    )
    make(
        "queue",
        "zamestnavatele",
        {
            "name": "Zaměstnavatelé",
            "number": "+420261105557",
            "group_id": ids["group:KKC"],
            "hours": _hours("08:00-16:00", "08:00-14:00"),
            "overflow": OverflowTarget(OverflowKind.VOICEMAIL, "zamestnavatele"),
        },
    )
    make(
        "queue",
        "poskytovatele",
        {
            "name": "Poskytovatelé zdravotních služeb",
            "number": "+420261105558",
            "group_id": ids["group:KKC"],
            "hours": office,
            "sl_threshold_s": 30,
            "overflow": OverflowTarget(OverflowKind.LINE, "2410"),
        },
    )
    make(
        "queue",
        "as",
        {
            "name": "Asistenční služba",
            "number": "+420261105559",
            "group_id": ids["group:AS"],
            "hours": OpeningHours.always_open(),  # help for clients abroad: round the clock
            "sl_target_percent": 90,
            "sl_threshold_s": 15,
            "priority": 2,
            "overflow": OverflowTarget(OverflowKind.MOBILE, "+420731000111"),
        },
    )

    skills = [
        ("novakova", "obecna", 8, 1),
        ("novakova", "platby", 6, 2),
        ("horak", "obecna", 6, 1),
        ("horak", "zamestnavatele", 9, 1),
        ("cerna", "obecna", 4, 1),
        ("cerna", "poskytovatele", 7, 1),
        ("prochazka", "as", 9, 1),
        ("kucerova", "as", 7, 1),
        ("kucerova", "obecna", 5, 3),
    ]
    for user, queue, level, priority in skills:
        make(
            "skill",
            f"{user}/{queue}",
            {
                "user_id": ids[f"user:{user}"],
                "queue_id": ids[f"queue:{queue}"],
                "level": level,
                "priority": priority,
            },
        )

    for code, name, kind, minutes in [
        ("OBED", "Oběd", PauseKind.PRIVATE, 30),
        ("PRESTAVKA", "Přestávka", PauseKind.PRIVATE, 15),
        ("SKOLENI", "Školení", PauseKind.WORK, 120),
        ("ADMIN", "Administrativa", PauseKind.WORK, 60),
        ("PORADA", "Porada", PauseKind.WORK, 60),
    ]:
        make("pause_code", code, {"code": code, "name": name, "kind": kind, "max_duration_min": minutes})

    tree = {
        "Přihláška a změna pojišťovny": [],
        "Průkaz pojištěnce": ["Ztráta průkazu", "Evropský průkaz (EHIC)"],
        "Platby": ["Dlužné pojistné", "Splátkový kalendář", "Potvrzení o bezdlužnosti", "Zálohy OSVČ"],
        "Zaměstnavatelé": ["Přehled o platbách pojistného"],
        "Prevence": ["Příspěvky z fondu prevence"],
        "Lázeňská péče": [],
        "Poskytovatelé": ["Smlouvy", "Vyúčtování péče"],
        "Stížnost": [],
    }
    for parent, children in tree.items():
        parent_id = make("category", parent, {"name": parent})
        for child in children:
            make("category", child, {"name": child, "parent_id": parent_id})
    for product in ("Fond prevence", "Cestovní pojištění"):
        make("category", product, {"name": product, "kind": CategoryKind.PRODUCT})

    experts = make("transfer_group", "experts", {"name": "Expertní pracoviště", "position": 1})
    branches = make("transfer_group", "branches", {"name": "Pobočky", "position": 2})
    for name, number, group in [
        ("Platby – expert", "2410", experts),
        ("Právní oddělení", "2450", experts),
        ("Revizní lékař", "2460", experts),
        ("Pobočka Praha", "+420261105100", branches),
        ("Pobočka Brno", "+420541105200", branches),
    ]:
        make("transfer_line", name, {"name": name, "number": number, "group_id": group})

    make(
        "caller_rule",
        "vip",
        {
            "name": "VIP klienti",
            "statuses": {"vip"},
            "numbers": {"+420602111222"},
            "priority": 1,
            "position": 1,
        },
    )
    make(
        "caller_rule",
        "spam",
        {"name": "Blokovaná čísla", "numbers": {"+420900123456"}, "block": True, "position": 2},
    )
    make("report_filter", "all", {"name": "Vedení – všechny přehledy"})
    make(
        "report_filter",
        "kkc",
        {
            "name": "KKC – fronty KKC",
            "group_ids": {ids["group:KKC"]},
            "queue_ids": {ids[f"queue:{q}"] for q in ("obecna", "platby", "zamestnavatele", "poskytovatele")},
        },
    )
    return ids


MAIN_LINE = "+420261105550"


def main_ivr(queue_ids: dict[str, int]) -> dict[str, Any]:
    """The demo's main IVR tree (IN-06, IN-19, IN-25): the caller picks a topic; payments ask for the
    insurance number first; outside the office hours the caller may leave a message."""
    general, payments = queue_ids["obecna"], queue_ids["platby"]
    employers, providers = queue_ids["zamestnavatele"], queue_ids["poskytovatele"]
    return {
        "name": "hlavni",
        "version": 1,
        "start": "otevreno",
        "nodes": [
            {
                "type": "condition",
                "id": "otevreno",
                "kind": "open",
                "value": str(general),
                "then": "nabidka",
                "otherwise": "zavreno",
            },
            {
                "type": "menu",
                "id": "nabidka",
                "timeout_s": 6,
                "retries": 2,
                "on_fail": "obecna",
                "prompt": {
                    "text": "Dobrý den, dovolali jste se do Oborové zdravotní pojišťovny. "
                    "Platby a dlužné pojistné, stiskněte jedna. Průkaz pojištěnce, stiskněte dvě. "
                    "Zaměstnavatelé, stiskněte tři. Poskytovatelé zdravotních služeb, stiskněte čtyři. "
                    "Chcete-li, abychom vám zavolali zpět, stiskněte pět. Ostatní dotazy, stiskněte nulu."
                },
                "choices": {
                    "1": "stitek_platby",
                    "2": "stitek_prukaz",
                    "3": "zamestnavatele",
                    "4": "poskytovatele",
                    "5": "zpetne",
                    "0": "obecna",
                },
            },
            {"type": "set_tag", "id": "stitek_platby", "key": "tema", "value": "platby", "next": "cislo"},
            {
                "type": "collect_digits",
                "id": "cislo",
                "min_len": 9,
                "max_len": 10,
                "validator": "insurance_number",
                "into": "cislo_pojistence",
                "retries": 1,
                "next": "platby",
                "on_invalid": "platby",
                "prompt": {"text": "Zadejte prosím číslo pojištěnce a stiskněte mřížku."},
            },
            {"type": "route_to_queue", "id": "platby", "queue_ids": [payments, general]},
            {"type": "set_tag", "id": "stitek_prukaz", "key": "tema", "value": "průkaz", "next": "obecna"},
            {"type": "route_to_queue", "id": "obecna", "queue_ids": [general]},
            {"type": "route_to_queue", "id": "zamestnavatele", "queue_ids": [employers, general]},
            {"type": "route_to_queue", "id": "poskytovatele", "queue_ids": [providers, general]},
            {"type": "callback", "id": "zpetne", "queue_id": general},
            {
                "type": "play",
                "id": "zavreno",
                "next": "vzkaz",
                "prompt": {"text": "Klientské centrum je otevřeno v pracovní dny od osmi hodin."},
            },
            {"type": "voicemail", "id": "vzkaz", "box": "obecna"},
        ],
    }


def seed_ivr(catalogue: IvrCatalogue, queue_ids: dict[str, int]) -> None:
    """Store, activate and map the main IVR tree to the main line (once)."""
    if catalogue.names():
        return
    stored = catalogue.save(SYSTEM, main_ivr(queue_ids))
    catalogue.activate(SYSTEM, stored.name, stored.version)
    catalogue.assign_number(SYSTEM, MAIN_LINE, stored.name)
