"""What an Asterisk needs for KC (``kc asterisk config``, docs/asterisk.md): ARI over HTTP for KC's
user, the manager interface (AMI) for the same user, a dialplan context whose calls go to KC's
Stasis application, and the modules these use. KC adds these and leaves everything else alone:
trunks, phones, other contexts, voicemail of its own."""

from __future__ import annotations

import attrs

# the modules KC's adapter uses (autoload loads them; with ``autoload = no`` they must be listed)
NEEDED_MODULES = (
    "res_http_websocket", "res_stasis", "res_ari", "res_ari_model", "res_ari_channels", "res_ari_bridges",
    "res_ari_playbacks", "res_ari_events", "res_ari_applications", "res_ari_recordings", "res_ari_asterisk",
    "res_stasis_answer", "res_stasis_playback", "res_stasis_recording", "res_stasis_snoop", "app_stasis",
    "res_musiconhold", "bridge_simple", "bridge_softmix", "bridge_holding", "format_wav", "format_pcm",
    "format_sln", "codec_resample", "res_timing_timerfd", "res_manager_devicestate", "func_devstate",
    "app_amd",
)  # fmt: skip


ENTRY_TRIES = 10  # a call finding KC's application inactive tries again every second, this often


def kc_context(context: str, app: str) -> str:
    """The dialplan context of KC's calls: each enters KC's application; while that is inactive (KC
    is reconnecting) the caller keeps ringing and tries again every second, ``ENTRY_TRIES`` times,
    so a short outage loses no call."""
    return f"""\
[{context}]
exten => _[+0-9].,1,Set(KC_TRIES=0)
 same => n(enter),Stasis({app})
 same => n,GotoIf($["${{STASISSTATUS}}" != "FAILED"]?out)
 same => n,Set(KC_TRIES=$[${{KC_TRIES}} + 1])
 same => n,GotoIf($[${{KC_TRIES}} > {ENTRY_TRIES}]?out)
 same => n,Wait(1)
 same => n,Goto(enter)
 same => n(out),Hangup()
"""


DIALLED_CONTEXT = "kc-dialled"  # a campaign's answered number, with answering-machine detection


def dialled_context(app: str, context: str = DIALLED_CONTEXT) -> str:
    """The dialplan context a campaign's number enters once answered, with KC_ASTERISK_AMD: AMD()
    listens to the greeting (amd.conf's settings), then KC's application takes the call with what
    it found (``AMDSTATUS``: MACHINE is an answering machine; HUMAN, NOTSURE a person)."""
    return f"""\
[{context}]
exten => s,1,AMD()
 same => n,Stasis({app},dialled,${{AMDSTATUS}})
 same => n,Hangup()
"""


# app_amd's settings (amd.conf; the module declines to load without the file): Asterisk's own
# defaults, a person's "haló" is short and followed by silence, a machine's greeting is long
AMD_CONF = """\
[general]
initial_silence = 2500
greeting = 1500
after_greeting_silence = 800
total_analysis_time = 5000
min_word_length = 100
between_words_silence = 50
maximum_number_of_words = 3
maximum_word_length = 5000
silence_threshold = 256
"""


@attrs.frozen
class KcAtAsterisk:
    host: str  # where ARI listens for KC (http.conf bindaddr)
    port: int  # http.conf bindport
    ami_port: int  # manager.conf port
    user: str  # ari.conf user
    secret: str  # its password
    app: str  # the Stasis application
    context: str  # the dialplan context whose calls are KC's


def snippets(kc: KcAtAsterisk) -> str:
    """The lines to add, file by file, with what each is for."""
    modules = "\n".join(f"load => {name}.so" for name in NEEDED_MODULES)
    return f"""\
; ---- http.conf: ARI is served over Asterisk's HTTP server
[general]
enabled = yes
bindaddr = {kc.host}
bindport = {kc.port}

; ---- ari.conf: KC's user (KC_ASTERISK_USER, KC_ASTERISK_SECRET)
[general]
enabled = yes

[{kc.user}]
type = user
read_only = no
password = {kc.secret}

; ---- manager.conf: KC's manager user, the same name and password (the presence of phones and
; lines: DeviceStateChange events and DeviceStateList)
[general]
enabled = yes
port = {kc.ami_port}
bindaddr = {kc.host}

[{kc.user}]
secret = {kc.secret}
read = call,system
write = call,reporting

; ---- extensions.conf: send the numbers KC answers (its queues' and IVRs' numbers) into this
; context; KC's Stasis application takes every call that enters it (while KC reconnects, a call
; keeps ringing and tries again every second, {ENTRY_TRIES} times)
{kc_context(kc.context, kc.app)}
; the numbers campaigns dial, once answered, with KC_ASTERISK_AMD=true: answering-machine detection
; first (app_amd), then KC's application
{dialled_context(kc.app)}
; ---- amd.conf: the detection's settings (only with KC_ASTERISK_AMD=true)
{AMD_CONF}
; ---- modules.conf: only if it says `autoload = no` (else these load already)
{modules}
"""
