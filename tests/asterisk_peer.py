"""A real Asterisk 22 for the telephony tests, on loopback, configured in a temporary directory.

The binary and its modules come from the build ``scripts/asterisk-build.sh`` keeps in a cache outside
the repository (``KC_ASTERISK_HOME``, default ``${XDG_CACHE_HOME:-~/.cache}/kc/asterisk-22.10.1``).
Everything else (configuration, run directory and control socket, logs, spool) lives in the
temporary directory, so an instance never touches another Asterisk on the machine. AMI listens on a
free port of 127.0.0.1 only.
"""

from __future__ import annotations

import array
import io
import math
import os
import secrets
import socket
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from kc_adapters.asterisk.config import AMD_CONF, dialled_context, kc_context

VERSION = "22.10.1"
USERNAME = "kc"
CONTEXT = "kc-test"
START_TIMEOUT_S = 60.0

# Only what KC's telephony needs; Local channels and the manager are part of the core.
MODULES = (
    "pbx_config",
    "app_dial",
    "app_originate",
    "app_playback",
    "app_read",
    "app_record",
    "app_mixmonitor",
    "app_chanspy",
    "app_echo",
    "app_amd",
    "app_senddtmf",
    "app_verbose",
    "res_agi",
    "res_speech",
    "res_musiconhold",
    "bridge_simple",
    "bridge_softmix",
    "bridge_holding",
    "bridge_builtin_features",
    "format_wav",
    "format_sln",
    "format_pcm",
    "codec_ulaw",
    "codec_alaw",
    "codec_resample",
    "func_channel",
    "func_callerid",
    "func_strings",
    "func_devstate",
    "res_timing_timerfd",
    "res_manager_devicestate",
    "func_rand",
    # ARI: KC's control path (docs/adr/0006-asterisk-control-path.md)
    "res_sorcery_config",
    "res_sorcery_memory",
    "res_http_websocket",
    "res_websocket_client",
    "res_stasis",
    "res_ari",
    "res_ari_model",
    "res_ari_channels",
    "res_ari_bridges",
    "res_ari_playbacks",
    "res_ari_events",
    "res_ari_applications",
    "res_ari_asterisk",
    "res_stasis_answer",
    "res_stasis_playback",
    "app_stasis",
    "res_stasis_snoop",
    "res_stasis_recording",
    "res_ari_recordings",
    "res_ari_device_states",
    "res_stasis_device_state",
    "res_ari_sounds",
    "res_ari_endpoints",
    "chan_bridge_media",  # the Recorder channel of a bridge recording
)
APP = "kc"  # the Stasis application KC registers
IN_CONTEXT = "kc-in"  # KC's context: a call sent here is handed to KC
PHONES_CONTEXT = "kc-test-phones"  # agents' stand-in phones: ring until told to answer
ANSWERING_CONTEXT = "kc-test-answering"  # stand-in phones that answer at once
SLOW_CONTEXT = "kc-test-slow"  # stand-in phones that answer after 1-5 s and hang up 5-15 s later
OUTSIDE_CONTEXT = "kc-test-outside"  # numbers KC dials or transfers to: answer and stay up
CALLERS_CONTEXT = "kc-test-callers"  # callers' own halves: wait, until told to speak (a message)
SUPERVISORS_CONTEXT = "kc-test-supervisors"  # supervisors' stand-in phones: answer and play a tone
SUPERVISOR_TONE_HZ = 1400  # what a supervisor's stand-in phone "says" (the music on hold is 425 Hz)
CALLER_TONE_HZ = 600  # what a caller who talks "says"
MOH_CLASS = "default"

# A small dialplan for the tests: 100 answers and stays up for 30 s, 101 for 2 s.
DIALPLAN = f"""\
[{CONTEXT}]
exten => 100,1,Answer()
 same => n,Wait(30)
 same => n,Hangup()
exten => 101,1,Answer()
 same => n,Wait(2)
 same => n,Hangup()

; KC's context: every number dialled here goes to KC's ARI application
{kc_context(IN_CONTEXT, APP)}
; a campaign's answered number with KC_ASTERISK_AMD: AMD(), then KC's application
{dialled_context(APP)}
; an agent's phone (Local/agent7@...): rings until the test redirects it to "answer"
; a leg KC dials with KC_AUTO_ANSWER=yes (a pick-up from the web) answers at once
[{PHONES_CONTEXT}]
exten => _age[n]t.,1,GotoIf($["${{KC_AUTO_ANSWER}}" = "yes"]?answer,1)
 same => n,Ringing()
 same => n,Wait(120)
 same => n,Hangup()
exten => answer,1,Answer()
 same => n,Wait(120)
 same => n,Hangup()

[{ANSWERING_CONTEXT}]
exten => _age[n]t.,1,Answer()
 same => n,Wait(120)
 same => n,Hangup()

; a supervisor's phone (Local/supervisor90@...): answers and speaks (a tone) until hung up
[{SUPERVISORS_CONTEXT}]
exten => _super[v]isor.,1,Answer()
 same => n(speak),Playback(supervisor-tone)
 same => n,Goto(speak)

; a stand-in phone with a person at it (bench/asterisk_bench.py): rings 1-5 s, talks 5-15 s, hangs up
[{SLOW_CONTEXT}]
exten => _age[n]t.,1,Ringing()
 same => n,Wait(${{RAND(1,5)}})
 same => n,Answer()
 same => n,Wait(${{RAND(5,15)}})
 same => n,Hangup()

[{OUTSIDE_CONTEXT}]
; a person (+4209991...): answers with a short "haló" (0.6 s of tone) and listens
exten => _+4209991.,1,Answer()
 same => n,Playback(callee-hello)
 same => n,Wait(120)
 same => n,Hangup()
; an answering machine (+4209992...): a long greeting (6 s)
exten => _+4209992.,1,Answer()
 same => n,Playback(callee-greeting)
 same => n,Wait(120)
 same => n,Hangup()
; busy (+4209993...)
exten => _+4209993.,1,Busy(5)
exten => _[+0-9].,1,Answer()
 same => n,Wait(120)
 same => n,Hangup()

; a caller's half (Local/...;1): waits until the test redirects it to "speak", which plays the sound
; file in the channel variable MESSAGE towards KC, then presses # ("speak-hash") or hangs up; or
; "talk"s (a 600 Hz tone) until hung up
[{CALLERS_CONTEXT}]
exten => caller,1,Wait(120)
 same => n,Hangup()
exten => speak,1,Playback(${{MESSAGE}})
 same => n,Hangup()
exten => talk,1,Playback(caller-voice)
 same => n,Goto(talk,1)
exten => speak-hash,1,Playback(${{MESSAGE}})
 same => n,SendDTMF(#)
 same => n,Wait(5)
 same => n,Hangup()
"""


class AsteriskUnavailable(RuntimeError):
    """The test Asterisk is not built, or did not start."""


def asterisk_home() -> Path:
    configured = os.environ.get("KC_ASTERISK_HOME")
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "kc" / f"asterisk-{VERSION}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class AsteriskPeer:
    """One running Asterisk: where its AMI listens and how to log in."""

    directory: Path
    home: Path
    host: str = "127.0.0.1"
    port: int = 0
    http_port: int = 0  # ARI (REST and its events WebSocket), loopback only
    username: str = USERNAME
    secret: str = ""
    context: str = CONTEXT
    process: subprocess.Popen[bytes] | None = None

    @property
    def binary(self) -> Path:
        return self.home / "sbin" / "asterisk"

    @property
    def log_path(self) -> Path:
        return self.directory / "asterisk.out"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no output)"

    def write_config(self) -> Path:
        etc = self.directory / "etc"
        subs = ("etc", "run", "log", "spool/recording", "lib", "db", "keys", "data/sounds", "agi-bin")
        for sub in (*subs, "monitor"):  # spool/recording: ARI recordings (Asterisk does not create it)
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        modules_dir = self.home / "lib" / "asterisk" / "modules"
        # The data directory is ours (sounds KC puts there); the built documentation (which Asterisk
        # must read at start) and ARI's API descriptions are linked from the build.
        for shared in ("documentation", "rest-api", "static-http"):
            link = self.directory / "data" / shared
            if not link.exists():
                link.symlink_to(self.home / "var" / "lib" / "asterisk" / shared)
        conf = etc / "asterisk.conf"
        conf.write_text(
            "[directories]\n"
            f"astetcdir => {etc}\n"
            f"astmoddir => {modules_dir}\n"
            f"astvarlibdir => {self.directory / 'lib'}\n"
            f"astdbdir => {self.directory / 'db'}\n"
            f"astkeydir => {self.directory / 'keys'}\n"
            f"astdatadir => {self.directory / 'data'}\n"
            f"astagidir => {self.directory / 'agi-bin'}\n"
            f"astspooldir => {self.directory / 'spool'}\n"
            f"astrundir => {self.directory / 'run'}\n"
            f"astlogdir => {self.directory / 'log'}\n"
            f"astsbindir => {self.home / 'sbin'}\n"
            "[options]\n"
            "verbose = 0\n"
            "debug = 0\n"
            "nocolor = yes\n"
            "hideconnect = yes\n"
        )
        (etc / "modules.conf").write_text(
            "[modules]\nautoload = no\n" + "".join(f"load => {name}.so\n" for name in MODULES)
        )
        (etc / "manager.conf").write_text(
            "[general]\n"
            "enabled = yes\n"
            "webenabled = no\n"
            f"port = {self.port}\n"
            f"bindaddr = {self.host}\n"
            f"[{self.username}]\n"
            f"secret = {self.secret}\n"
            "deny = 0.0.0.0/0.0.0.0\n"
            "permit = 127.0.0.1/255.255.255.255\n"
            "read = system,call,agent,user,dtmf,reporting,cdr,dialplan,originate\n"
            "write = system,call,agent,user,command,reporting,originate\n"
        )
        # the beep before a voicemail message (Asterisk's core sounds have one; this instance has none)
        (self.directory / "data" / "sounds" / "beep.wav").write_bytes(tone_wav(1000, 0.25))
        (self.directory / "data" / "sounds" / "supervisor-tone.wav").write_bytes(tone_wav(SUPERVISOR_TONE_HZ))
        (self.directory / "data" / "sounds" / "caller-voice.wav").write_bytes(tone_wav(CALLER_TONE_HZ))
        sounds = self.directory / "data" / "sounds"
        (sounds / "callee-hello.wav").write_bytes(tone_wav(CALLER_TONE_HZ, 0.6))  # a person's "haló"
        (sounds / "callee-greeting.wav").write_bytes(tone_wav(CALLER_TONE_HZ, 6.0))  # a machine's
        (etc / "extensions.conf").write_text("[general]\nstatic = yes\nwriteprotect = yes\n\n" + DIALPLAN)
        (etc / "amd.conf").write_text(AMD_CONF)
        (etc / "logger.conf").write_text("[general]\n[logfiles]\nconsole => notice,warning,error\n")
        moh = self.directory / "moh"
        moh.mkdir(exist_ok=True)
        (moh / "tone.wav").write_bytes(tone_wav())
        (etc / "musiconhold.conf").write_text(f"[general]\n[{MOH_CLASS}]\nmode = files\ndirectory = {moh}\n")
        (etc / "http.conf").write_text(
            f"[general]\nenabled = yes\nbindaddr = {self.host}\nbindport = {self.http_port}\n"
        )
        (etc / "ari.conf").write_text(
            "[general]\nenabled = yes\n"
            f"[{self.username}]\ntype = user\nread_only = no\npassword = {self.secret}\n"
        )
        for quiet in ("cdr", "cel", "features", "indications", "acl", "udptl", "ccss", "stasis"):
            (etc / f"{quiet}.conf").write_text("[general]\n")
        return conf

    def start(self) -> None:
        if not self.binary.is_file():
            raise AsteriskUnavailable(
                f"no Asterisk built at {self.home} (run scripts/asterisk-build.sh, or set KC_ASTERISK_HOME)"
            )
        self.port = self.port or free_port()
        self.http_port = self.http_port or free_port()
        self.secret = self.secret or secrets.token_hex(12)
        conf = self.write_config()
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                [str(self.binary), "-f", "-n", "-C", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,  # a Ctrl-C in the test run never reaches it half-way
            )
        try:
            self.wait_until_booted()
        except BaseException:
            self.stop()
            raise

    def wait_until_booted(self) -> None:
        """Until AMI accepts our login and Asterisk says FullyBooted."""
        deadline = time.monotonic() + START_TIMEOUT_S
        last_error = "no answer"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AsteriskUnavailable(
                    f"Asterisk exited with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if self._fully_booted():
                    return
                last_error = "not fully booted yet"
            except OSError as exc:
                last_error = str(exc)
            time.sleep(0.1)
        raise AsteriskUnavailable(
            f"Asterisk's AMI on {self.host}:{self.port} did not answer within {START_TIMEOUT_S} s "
            f"({last_error}):\n{self.log_tail()}"
        )

    def _fully_booted(self) -> bool:
        with socket.create_connection((self.host, self.port), timeout=2) as sock:
            sock.sendall(
                f"Action: Login\r\nUsername: {self.username}\r\nSecret: {self.secret}\r\n\r\n".encode()
            )
            received = b""
            while b"Event: FullyBooted" not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                received += chunk
                if b"Response: Error" in received:
                    return False
            sock.sendall(b"Action: Logoff\r\n\r\n")
            return True

    def stop(self) -> None:
        """Terminate, then kill; always leaves no process behind."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def tone_wav(hertz: float = 425, seconds: float = 1.0, silence_before_s: float = 0.0) -> bytes:
    """A quiet tone, 8 kHz 16-bit mono (by default one second of 425 Hz: the test's music on hold),
    after ``silence_before_s`` of silence."""
    silence = [0] * int(8000 * silence_before_s)
    tone = (int(3000 * math.sin(2 * math.pi * hertz * n / 8000)) for n in range(int(8000 * seconds)))
    frames = array.array("h", [*silence, *tone])
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(frames.tobytes())
    return out.getvalue()


def start_asterisk(directory: Path) -> AsteriskPeer:
    """A started Asterisk in ``directory`` (created); raises AsteriskUnavailable with the reason."""
    directory.mkdir(parents=True, exist_ok=True)
    peer = AsteriskPeer(directory=directory, home=asterisk_home())
    peer.start()
    return peer


def kc_settings(peer: AsteriskPeer, workdir: Path) -> dict[str, str]:
    """The ``KC_*`` settings that point KC's engine at this peer (``KC_TELEPHONY=asterisk``), with
    its prompts and recordings under ``workdir``."""
    return {
        "KC_RECORDINGS_DIR": str(workdir / "recordings"),
        "KC_TELEPHONY": "asterisk",
        "KC_ASTERISK_HOST": peer.host,
        "KC_ASTERISK_ARI_PORT": str(peer.http_port),
        "KC_ASTERISK_AMI_PORT": str(peer.port),
        "KC_ASTERISK_USER": peer.username,
        "KC_ASTERISK_SECRET": peer.secret,
        "KC_ASTERISK_APP": APP,
        "KC_ASTERISK_CONTEXT": IN_CONTEXT,
        "KC_ASTERISK_OUTSIDE": f"Local/{{number}}@{OUTSIDE_CONTEXT}/n",
        "KC_ASTERISK_TRANSFER_CONTEXT": OUTSIDE_CONTEXT,
        "KC_ASTERISK_PROMPTS_DIR": str(workdir / "prompts"),
    }
