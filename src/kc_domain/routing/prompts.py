"""What KC says to callers outside the IVR trees, in Czech (callers hear Czech; the agents' UI language
does not apply). Texts go to the PBX as ``tts:<text>``; recordings as ``file:<name>``."""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

NO_AGENTS = "Omlouváme se, v tuto chvíli není přihlášen žádný operátor."  # IN-23
HOLD_ON = "Všichni operátoři jsou obsazeni. Vydržte prosím, budete spojeni v pořadí, v jakém jste volali."
VOICEMAIL_INTRO = "Zanechte nám prosím vzkaz po zaznění tónu. Nahrávání ukončíte mřížkou nebo zavěšením."
CALLBACK_ASK_TIME = (
    "Zavoláme vám zpět na číslo, ze kterého voláte. Chcete-li určit čas, zadejte hodinu a minutu, "
    "například 1 4 3 0, nebo den, měsíc, hodinu a minutu, a stiskněte mřížku. "
    "Pro zavolání co nejdříve stiskněte jen mřížku."
)
CALLBACK_ASAP = "Děkujeme. Zavoláme vám co nejdříve. Na shledanou."
CALLBACK_BAD_TIME = (
    "Tento čas nelze zvolit, v tu dobu nepracujeme nebo je mimo povolený rozsah. Zkuste to prosím znovu."
)
CALLBACK_NO_NUMBER = "Vaše číslo je skryté, zpětné volání proto nelze nabídnout."


def plural_cs(n: int, one: str, few: str, many: str) -> str:
    """Czech number agreement: 1 minuta, 2-4 minuty, 0 and 5+ minut."""
    if n == 1:
        return one
    return few if 2 <= n <= 4 else many


def minutes_cs(seconds: float) -> str:
    """An expected wait read out in whole minutes, rounded up; under a minute said as such."""
    if seconds < 60:
        return "méně než minuta"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} {plural_cs(minutes, 'minuta', 'minuty', 'minut')}"


def position_text(position: int, wait_s: float | None, *, position_on: bool, wait_on: bool) -> str:
    """IN-10: "Jste 3. v pořadí. Předpokládaná doba čekání je přibližně 4 minuty." """
    parts = []
    if position_on:
        parts.append(f"Jste {position}. v pořadí.")
    if wait_on and wait_s is not None:
        parts.append(f"Předpokládaná doba čekání je přibližně {minutes_cs(wait_s)}.")
    return " ".join(parts)


def offers_text(callback_key: str, voicemail_key: str) -> str:
    """The keys a waiting caller may press instead of waiting (IN-08, IN-09)."""
    parts = []
    if callback_key:
        parts.append(f"Chcete-li, abychom vám zavolali zpět, stiskněte {key_name(callback_key)}.")
    if voicemail_key:
        parts.append(f"Chcete-li nám zanechat vzkaz, stiskněte {key_name(voicemail_key)}.")
    return " ".join(parts)


def key_name(key: str) -> str:
    return {"*": "hvězdičku", "#": "mřížku"}.get(key, key)


def callback_confirmed(at: datetime, zone: tzinfo) -> str:
    local = at.astimezone(zone)
    return (
        f"Děkujeme. Zavoláme vám {local.day}. {local.month}. v {local.hour}:{local.minute:02d}. Na shledanou."
    )


def tts(text: str) -> str:
    return f"tts:{text}"


def recording(name: str) -> str:
    return f"file:{name}"
