"""Demo data: a small but realistic OZP-like contact centre, created through the audited admin service."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kc_domain.admin.service import AdminService
from kc_domain.audit.service import SYSTEM, AuditTrail
from kc_domain.clients.model import Client, ClientField, ClientKind, FieldType
from kc_domain.identity.roles import Role
from kc_domain.ivr.catalogue import IvrCatalogue
from kc_domain.organisation.hours import DateException, OpeningHours, parse_intervals
from kc_domain.organisation.model import CategoryKind, OverflowKind, OverflowTarget, PauseKind
from kc_domain.outbound.campaigns import ListEntry
from kc_domain.outbound.service import CampaignService
from kc_domain.recordings.evaluation import Criterion, Scale
from kc_domain.supervision.model import AlertKind, Severity, WallboardLayout

if TYPE_CHECKING:
    from kc_ports.persistence import ContactsUnit, UnitFactory

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
                "endpoint": f"PJSIP/{number}" if number else "",  # the desk phone (simulated in the demo)
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
    for name, number, group_id in [
        ("Platby – expert", "2410", experts),
        ("Právní oddělení", "2450", experts),
        ("Revizní lékař", "2460", experts),
        ("Pobočka Praha", "+420261105100", branches),
        ("Pobočka Brno", "+420541105200", branches),
    ]:
        make("transfer_line", name, {"name": name, "number": number, "group_id": group_id})

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
    _supervision(make, ids)
    return ids


def _supervision(make: Any, ids: dict[str, int]) -> None:
    """The demo's alert rules (RT-06), evaluation form (REC-07) and wallboards (WB-01)."""
    for key, name, kind, limit, severity, extra in [
        ("wait", "Čekání nad 1 minutu", AlertKind.LONG_WAIT, 60, Severity.WARNING, {}),
        ("wait_long", "Čekání nad 3 minuty", AlertKind.LONG_WAIT, 180, Severity.CRITICAL, {}),
        ("call", "Hovor nad 15 minut", AlertKind.LONG_CALL, 900, Severity.WARNING, {}),
        ("wrap", "Dopracování nad 3 minuty", AlertKind.LONG_WRAP_UP, 180, Severity.WARNING, {}),
        ("pause", "Pauza delší, než kód dovoluje", AlertKind.LONG_PAUSE, 0, Severity.WARNING, {}),
        (
            "sl",
            "Úroveň služby pod cílem",
            AlertKind.LOW_SERVICE_LEVEL,
            0,
            Severity.CRITICAL,
            {"min_offered": 20},
        ),
    ]:
        values = {"name": name, "kind": kind, "limit": limit, "severity": severity, **extra}
        make("alert_rule", key, values)
    yes_no, points = Scale.YES_NO, Scale.POINTS
    criteria = (
        Criterion("Pozdrav a představení", yes_no, weight=1),
        Criterion("Ověření totožnosti pojištěnce", yes_no, weight=2),
        Criterion("Správnost a úplnost informací", points, max_points=5, weight=3),
        Criterion("Srozumitelnost a empatie", points, max_points=5, weight=2),
        Criterion("Shrnutí a rozloučení", yes_no, weight=1, required=False),
    )
    make("evaluation_form", "kvalita", {"name": "Hodnocení hovoru KKC", "criteria": criteria})
    kkc = {ids[f"queue:{q}"] for q in ("obecna", "platby", "zamestnavatele", "poskytovatele")}
    make("wallboard", "kkc", {"name": "KKC – hlavní sál", "queue_ids": kkc, "layouts": set(WallboardLayout)})
    make(
        "wallboard",
        "as",
        {
            "name": "Asistenční služba",
            "queue_ids": {ids["queue:as"]},
            "layouts": {WallboardLayout.OVERVIEW, WallboardLayout.TODAY},
            "rotate_s": 30,
        },
    )


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


# -- the customer database (CDB-03, IN-11) ----------------------------------------------------------
BRANCHES = ("Praha", "Brno", "Ostrava", "Plzeň", "Olomouc", "Hradec Králové", "České Budějovice")
CHANNELS = ("telefon", "e-mail", "SMS", "datová schránka", "dopis")

# key, label, type, choices, required, shown in the identification list
CLIENT_FIELDS: list[tuple[str, str, FieldType, tuple[str, ...], bool, bool]] = [
    ("datum_narozeni", "Datum narození", FieldType.DATE, (), False, False),
    ("ulice", "Ulice a číslo popisné", FieldType.TEXT, (), False, False),
    ("obec", "Obec", FieldType.TEXT, (), False, True),
    ("psc", "PSČ", FieldType.TEXT, (), False, False),
    ("telefon", "Telefon (pevná linka)", FieldType.PHONE, (), False, False),
    ("mobil", "Mobil", FieldType.PHONE, (), False, False),
    ("zamestnavatel_ico", "Zaměstnavatel (IČO)", FieldType.TEXT, (), False, False),
    ("stav_pojisteni", "Stav pojištění", FieldType.CHOICE, ("aktivní", "ukončené", "dlužník"), False, True),
    ("pojisten_od", "Pojištěn od", FieldType.DATE, (), False, False),
    ("dluzna_castka", "Dlužná částka (Kč)", FieldType.NUMBER, (), False, False),
    ("pobocka", "Pobočka", FieldType.CHOICE, BRANCHES, False, False),
    ("preferovany_kanal", "Preferovaný kanál", FieldType.CHOICE, CHANNELS, False, False),
    ("datova_schranka", "ID datové schránky", FieldType.TEXT, (), False, False),
    ("korespondencni_adresa", "Korespondenční adresa", FieldType.LONGTEXT, (), False, False),
    ("jazyk", "Jazyk komunikace", FieldType.CHOICE, ("čeština", "slovenština", "angličtina"), False, False),
    ("vip", "VIP / zvláštní péče", FieldType.BOOL, (), False, True),
    ("souhlas_marketing", "Souhlas s marketingovými hovory", FieldType.BOOL, (), False, False),
    ("poznamka", "Poznámka", FieldType.LONGTEXT, (), False, False),
]

FAMILY_PHONE = "+420603111222"
_I, _E, _S, _P = ClientKind.INSURED, ClientKind.EMPLOYER, ClientKind.SELF_EMPLOYED, ClientKind.PROVIDER

# kind, identifier (ČP = rodné číslo, or IČO), ICIS id ("" = not in ICIS), title, first name, surname,
# company, phones, e-mail, configurable values
DEMO_CLIENTS: list[tuple[ClientKind, str, str, str, str, str, str, tuple[str, ...], str, dict[str, str]]] = [
    (
        _I,
        "7853144123",
        "K-1004321",
        "Ing.",
        "Jana",
        "Svobodová",
        "",
        (FAMILY_PHONE, "+420731222333"),
        "jana.svobodova@seznam.cz",
        {
            "obec": "Praha 4",
            "ulice": "Na Pankráci 12",
            "psc": "140 00",
            "datum_narozeni": "1978-03-14",
            "stav_pojisteni": "aktivní",
            "pobocka": "Praha",
            "mobil": "+420731222333",
            "zamestnavatel_ico": "45301221",
            "preferovany_kanal": "e-mail",
            "souhlas_marketing": "true",
        },
    ),
    (
        _I,
        "7511023190",
        "K-1004322",
        "",
        "Petr",
        "Svoboda",
        "",
        (FAMILY_PHONE,),
        "petr.svoboda@email.cz",
        {
            "obec": "Praha 4",
            "ulice": "Na Pankráci 12",
            "psc": "140 00",
            "datum_narozeni": "1975-11-02",
            "stav_pojisteni": "aktivní",
            "pobocka": "Praha",
            "telefon": FAMILY_PHONE,
        },
    ),
    (
        _I,
        "8556211279",
        "K-1011873",
        "Mgr.",
        "Lenka",
        "Dvořáková",
        "",
        ("+420602345678",),
        "",
        {
            "obec": "Brno",
            "ulice": "Lidická 45",
            "psc": "602 00",
            "datum_narozeni": "1985-06-21",
            "stav_pojisteni": "aktivní",
            "pobocka": "Brno",
            "preferovany_kanal": "telefon",
        },
    ),
    (
        _I,
        "6201302151",
        "K-0987001",
        "",
        "Josef",
        "Novotný",
        "",
        ("+420777123456",),
        "",
        {
            "obec": "Ostrava",
            "ulice": "Nádražní 8",
            "psc": "702 00",
            "datum_narozeni": "1962-01-30",
            "stav_pojisteni": "dlužník",
            "dluzna_castka": "12450",
            "pobocka": "Ostrava",
            "poznamka": "Splátkový kalendář dohodnut do 30. 6. 2027.",
        },
    ),
    (
        _I,
        "9059093340",
        "K-1200456",
        "",
        "Tereza",
        "Černá",
        "",
        ("+420605987654",),
        "tereza.cerna@gmail.com",
        {
            "obec": "Plzeň",
            "psc": "301 00",
            "datum_narozeni": "1990-09-09",
            "stav_pojisteni": "aktivní",
            "pobocka": "Plzeň",
            "preferovany_kanal": "SMS",
        },
    ),
    (
        _I,
        "5812241017",
        "K-0500112",
        "MUDr.",
        "Jiří",
        "Procházka",
        "",
        ("+420603555111", "+420241444555"),
        "",
        {
            "obec": "Praha 6",
            "ulice": "Evropská 101",
            "psc": "160 00",
            "datum_narozeni": "1958-12-24",
            "stav_pojisteni": "aktivní",
            "vip": "true",
            "pobocka": "Praha",
            "telefon": "+420241444555",
        },
    ),
    (
        _I,
        "7154052202",
        "K-0877345",
        "",
        "Martina",
        "Kučerová",
        "",
        ("+420608121314",),
        "",
        {
            "obec": "Olomouc",
            "psc": "779 00",
            "datum_narozeni": "1971-04-05",
            "stav_pojisteni": "aktivní",
            "pobocka": "Olomouc",
            "jazyk": "čeština",
        },
    ),
    (
        _I,
        "8807174420",
        "",
        "",
        "Tomáš",
        "Veselý",
        "",
        ("+420739000111",),
        "tomas.vesely@centrum.cz",
        {
            "obec": "Hradec Králové",
            "datum_narozeni": "1988-07-17",
            "poznamka": "Nový klient, registrace v ICIS probíhá.",
        },
    ),
    (
        _I,
        "6652281196",
        "K-0765432",
        "",
        "Eva",
        "Horáková",
        "",
        ("+420724333444",),
        "",
        {
            "obec": "České Budějovice",
            "psc": "370 01",
            "datum_narozeni": "1966-02-28",
            "stav_pojisteni": "ukončené",
            "pobocka": "České Budějovice",
            "poznamka": "Přeregistrace k jiné pojišťovně od 1. 1. 2026.",
        },
    ),
    (
        _I,
        "9510115032",
        "K-1300987",
        "Bc.",
        "Ondřej",
        "Němec",
        "",
        ("+420776543210",),
        "ondrej.nemec@seznam.cz",
        {
            "obec": "Praha 10",
            "psc": "100 00",
            "datum_narozeni": "1995-10-11",
            "stav_pojisteni": "aktivní",
            "pobocka": "Praha",
            "preferovany_kanal": "e-mail",
        },
    ),
    (
        _I,
        "8055032766",
        "K-1009911",
        "",
        "Petra",
        "Marková",
        "",
        ("+420721010101",),
        "",
        {"obec": "Brno", "datum_narozeni": "1980-05-03", "stav_pojisteni": "aktivní", "pobocka": "Brno"},
    ),
    (
        _I,
        "7308193882",
        "K-0912345",
        "Ing.",
        "Pavel",
        "Pokorný",
        "",
        ("+420602777888",),
        "pavel.pokorny@firma.cz",
        {
            "obec": "Zlín",
            "datum_narozeni": "1973-08-19",
            "stav_pojisteni": "aktivní",
            "zamestnavatel_ico": "27315061",
            "pobocka": "Olomouc",
        },
    ),
    (
        _I,
        "9962011455",
        "K-1400222",
        "",
        "Kristýna",
        "Pospíšilová",
        "",
        ("+420730303030",),
        "",
        {
            "obec": "Liberec",
            "datum_narozeni": "1999-12-01",
            "stav_pojisteni": "aktivní",
            "pobocka": "Praha",
            "jazyk": "slovenština",
        },
    ),
    (
        _I,
        "6906062900",
        "K-0800456",
        "",
        "Miroslav",
        "Hájek",
        "",
        ("+420607060606",),
        "",
        {
            "obec": "Kladno",
            "datum_narozeni": "1969-06-06",
            "stav_pojisteni": "dlužník",
            "dluzna_castka": "3200,50",
            "pobocka": "Praha",
        },
    ),
    (
        _I,
        "8352142117",
        "",
        "",
        "Alena",
        "Králová",
        "",
        ("+420736111999",),
        "alena.kralova@post.cz",
        {"obec": "Pardubice", "datum_narozeni": "1983-02-14"},
    ),
    (
        _I,
        "5603031775",
        "K-0400789",
        "prof. MUDr.",
        "Karel",
        "Beneš",
        "",
        ("+420602020202",),
        "",
        {
            "obec": "Praha 2",
            "datum_narozeni": "1956-03-03",
            "stav_pojisteni": "aktivní",
            "vip": "true",
            "pobocka": "Praha",
            "preferovany_kanal": "dopis",
        },
    ),
    (
        _I,
        "9261233619",
        "K-1250333",
        "",
        "Veronika",
        "Fialová",
        "",
        ("+420775432198",),
        "",
        {
            "obec": "Ostrava",
            "datum_narozeni": "1992-11-23",
            "stav_pojisteni": "aktivní",
            "pobocka": "Ostrava",
            "souhlas_marketing": "true",
        },
    ),
    (
        _I,
        "7701082345",
        "K-0955666",
        "",
        "Lukáš",
        "Růžička",
        "",
        ("+420723456789", "+420548123456"),
        "",
        {
            "obec": "Brno",
            "datum_narozeni": "1977-01-08",
            "stav_pojisteni": "aktivní",
            "pobocka": "Brno",
            "telefon": "+420548123456",
        },
    ),
    (
        _I,
        "6459154823",
        "K-0811777",
        "",
        "Hana",
        "Šimková",
        "",
        ("+420604404404",),
        "hana.simkova@volny.cz",
        {"obec": "Plzeň", "datum_narozeni": "1964-09-15", "stav_pojisteni": "aktivní", "pobocka": "Plzeň"},
    ),
    (
        _I,
        "8704271565",
        "",
        "",
        "David",
        "Kolář",
        "",
        ("+420737373737",),
        "",
        {"obec": "Jihlava", "datum_narozeni": "1987-04-27"},
    ),
    (
        _I,
        "6057073220",
        "K-0699888",
        "",
        "Zdeňka",
        "Urbanová",
        "",
        ("+420606161616",),
        "",
        {
            "obec": "Olomouc",
            "datum_narozeni": "1960-07-07",
            "stav_pojisteni": "aktivní",
            "pobocka": "Olomouc",
            "korespondencni_adresa": "Dům s pečovatelskou službou\nWellnerova 3\n779 00 Olomouc",
        },
    ),
    (
        _S,
        "9403304196",
        "K-1350444",
        "",
        "Jakub",
        "Doležal",
        "Doležal – truhlářství",
        ("+420777888999",),
        "jakub@dolezal-truhlarstvi.cz",
        {
            "obec": "Tábor",
            "datum_narozeni": "1994-03-30",
            "stav_pojisteni": "aktivní",
            "pobocka": "České Budějovice",
            "datova_schranka": "ab12cd3",
        },
    ),
    (
        _E,
        "45301221",
        "Z-200001",
        "",
        "",
        "",
        "Strojírny Pankrác a.s.",
        ("+420261261261",),
        "mzdy@strojirny-pankrac.cz",
        {
            "obec": "Praha 4",
            "ulice": "Na Strži 65",
            "psc": "140 00",
            "pobocka": "Praha",
            "datova_schranka": "x7yk2mq",
            "preferovany_kanal": "datová schránka",
        },
    ),
    (
        _E,
        "27315061",
        "Z-200002",
        "",
        "",
        "",
        "Moravské pekárny s.r.o.",
        ("+420577100200",),
        "personalni@mpekarny.cz",
        {"obec": "Zlín", "pobocka": "Olomouc", "datova_schranka": "p3kar9n"},
    ),
    (
        _E,
        "64200175",
        "Z-200003",
        "",
        "",
        "",
        "Ostravská logistika s.r.o.",
        ("+420596700800",),
        "",
        {"obec": "Ostrava", "pobocka": "Ostrava", "stav_pojisteni": "dlužník", "dluzna_castka": "48900"},
    ),
    (
        _E,
        "18402593",
        "",
        "",
        "",
        "",
        "Kavárna U Mostu s.r.o.",
        ("+420602909090",),
        "",
        {"obec": "Český Krumlov", "poznamka": "Nový zaměstnavatel, přihláška čeká na zpracování."},
    ),
    (
        _P,
        "26019833",
        "P-300001",
        "MUDr.",
        "",
        "",
        "Ordinace praktického lékaře MUDr. Malá s.r.o.",
        ("+420241777888",),
        "ordinace@mudrmala.cz",
        {"obec": "Praha 4", "pobocka": "Praha", "datova_schranka": "m4la77q"},
    ),
    (
        _P,
        "47110015",
        "P-300002",
        "",
        "",
        "",
        "Nemocnice Pardubického kraje, a.s.",
        ("+420466011111",),
        "",
        {"obec": "Pardubice", "pobocka": "Hradec Králové", "vip": "true"},
    ),
    (
        _I,
        "",
        "",
        "",
        "Marek",
        "Zeman",
        "",
        ("+420728282828",),
        "",
        {"poznamka": "Volal z neznámého čísla, rodné číslo neuvedl."},
    ),
    (
        _I,
        "",
        "",
        "",
        "Jitka",
        "Svobodová",
        "",
        ("+420733444555",),
        "",
        {"obec": "Kolín", "poznamka": "Jmenovkyně paní Ing. Svobodové, pozor na záměnu."},
    ),
]


def seed_clients(uow_factory: UnitFactory[ContactsUnit], audit: AuditTrail, now: datetime) -> int:
    """The client card's fields and the demo clients, once (nothing when fields already exist), in one
    unit of work audited as ``client.seed``; returns how many clients were created."""
    with uow_factory() as uow:
        if uow.client_fields.list():
            return 0
        fields = {}
        for position, (key, label, field_type, choices, required, listed) in enumerate(
            CLIENT_FIELDS, start=1
        ):
            fields[key] = uow.client_fields.add(
                ClientField(key, label, field_type, choices, position * 10, required, show_in_list=listed)
            )
        for kind, ident, icis, title, first, surname, company, phones, email, raw in DEMO_CLIENTS:
            values = {}
            for key, text in raw.items():
                values[key], problem = fields[key].clean(text)
                assert problem is None, (surname or company, problem)
            client = Client(
                kind, ident, icis, first, surname, title, company, frozenset(phones), email, values
            )
            client.created_at = client.updated_at = now
            client.version = 1
            assert not client.problems(), (client.name, client.problems())
            uow.clients.add(client)
        audit.record(uow, SYSTEM, "client.seed", object_type="client", params={"created": len(DEMO_CLIENTS)})
        uow.commit()
    return len(DEMO_CLIENTS)


DEMO_CAMPAIGN = "Připomínka nedoplatku pojistného"
DEMO_CAMPAIGN_CONTACTS = 300


def seed_campaign(campaigns: CampaignService, queue_id: int) -> int | None:
    """A running progressive campaign of ``queue_id`` with its list (OUT-01), once: the demo's
    dialler calls its contacts and puts the answered ones through to the queue's agents. It dials
    at any hour so that the demo shows it (a real campaign keeps the office hours)."""
    if any(c.name == DEMO_CAMPAIGN for c in campaigns.campaigns()):
        return None
    values = {
        "name": DEMO_CAMPAIGN, "queue_id": queue_id, "mode": "progressive", "priority": 6,
        "caller_id": "+420261105551", "hours": OpeningHours.always_open().to_plain(),
    }  # fmt: skip
    campaign = campaigns.create(SYSTEM, values)
    assert campaign.id is not None
    rows = [
        ListEntry(
            campaign.id,
            f"+4207{(n * 7919) % 10**8:08d}",
            name=f"Pojištěnec {n}",
            extra={"dluh": f"{n % 9 + 1} 200 Kč"},
        )
        for n in range(1, DEMO_CAMPAIGN_CONTACTS + 1)
    ]
    campaigns.add_entries(SYSTEM, campaign.id, rows)
    campaigns.start(SYSTEM, campaign.id)
    return campaign.id
