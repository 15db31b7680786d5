"""Call control: the commands KC gives a PBX. The PBX's events come back as calls to the engine's
``call_*`` methods (see kc_domain.routing.engine), translated by each PBX adapter."""

from __future__ import annotations

from typing import Protocol


class CallControl(Protocol):
    def answer(self, call_id: str) -> None:
        """Pick up an incoming call at KC (for IVR and queue announcements)."""

    def play(self, call_id: str, prompt: str) -> None:
        """Queue a prompt for the caller: ``tts:<text>`` to be synthesised (Czech voice) or
        ``file:<name>`` for an uploaded recording; the PBX reports ``PromptFinished`` for each."""

    def record_voicemail(self, call_id: str, box: str) -> None:
        """Beep and record the caller's message into ``box`` until # or hang-up; the PBX reports
        ``VoicemailRecorded`` (kc_domain.routing.pbx_events)."""

    def ring_agent(self, call_id: str, agent_id: int) -> None:
        """Offer the call to the agent's endpoint (desk phone, softphone or mobile)."""

    def answer_at_phone(self, call_id: str, agent_id: int) -> None:
        """Pick up the call ringing at the agent's phone from the web desktop (CSTA answerCall, SIP
        auto-answer); the PBX may report ``PhonePickedUp``, which the engine then finds done."""

    def route_agent(self, agent_id: int, device: str) -> None:
        """Ring the agent at ``device`` (an E.164 mobile number: IN-28) instead of their desk phone;
        an empty ``device`` returns to the desk phone."""

    def cancel_ring(self, call_id: str, agent_id: int) -> None:
        """Stop offering the call to the agent (ring-no-answer, caller gone)."""

    def hold(self, call_id: str) -> None:
        """Put the caller on hold."""

    def retrieve(self, call_id: str) -> None:
        """Take the caller off hold."""

    def transfer(self, call_id: str, target: str) -> None:
        """Blind transfer to an internal line, an external or mobile number, a voicemail box or an IVR."""

    def consult(self, call_id: str, target: str) -> None:
        """Hold the caller and dial ``target`` for a consultation."""

    def complete_transfer(self, call_id: str) -> None:
        """Join the caller with the consulted party and drop the agent."""

    def conference(self, call_id: str) -> None:
        """Join the caller, the agent and the consulted party."""

    def hang_up(self, call_id: str, cause: str) -> None:
        """End the call."""

    def originate(self, call_id: str, agent_id: int, number: str, caller_id: str = "") -> None:
        """Place an outbound call from the agent's endpoint to ``number``, showing ``caller_id`` (a
        campaign's number, OUT-17); "": the PBX's default for the line."""

    def dial_out(self, call_id: str, number: str, caller_id: str, ring_s: int) -> None:
        """Dial ``number`` for a campaign, with no agent yet (progressive and predictive dialling),
        showing ``caller_id`` ("" the PBX's default) and letting it ring at most ``ring_s``. The PBX
        reports ``CalledPartyAnswered`` (``machine`` when its detection heard an answering machine;
        the call then waits like an incoming caller for ``ring_agent``) or ``CallHungUpAtPbx`` with
        the cause: ``busy``, ``no_answer``, ``invalid``, ``congestion``, ``failed``."""

    def start_recording(self, call_id: str) -> None:
        """Start recording the call."""

    def stop_recording(self, call_id: str) -> None:
        """Stop recording the call (the agent opted out, REC-01)."""

    def monitor(self, call_id: str, supervisor_id: int, mode: str) -> None:
        """Listen (``listen``), coach (``whisper``: the caller does not hear) or join (``barge``)."""

    def stop_monitor(self, call_id: str, supervisor_id: int) -> None:
        """The supervisor leaves the call they listened to, coached or joined."""


class CallAudio(Protocol):
    """The audio a PBX recorded: call recordings (``RecordingReady``) and voicemail messages
    (``VoicemailRecorded``), fetched by the reference their event carried."""

    def recording(self, reference: str) -> bytes:
        """The audio under ``reference``; ``NotFound("recording", reference)`` (kc_domain.errors)
        when the PBX does not have it (never recorded, or already removed)."""
