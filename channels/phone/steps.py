"""Every voice webhook step by the name in its URL (``/webhooks/voice/{tenant}/{step}``)."""

from __future__ import annotations

from channels.phone import steps_ivr, steps_queue, steps_status
from channels.phone.webhooks import Step

STEPS: dict[str, Step] = {
    "incoming": steps_ivr.incoming,
    "gather": steps_ivr.gather,
    "verify": steps_ivr.verify,
    "wait": steps_queue.wait,
    "queue-result": steps_queue.queue_result,
    "bridge": steps_queue.bridge,
    "dial-result": steps_queue.dial_result,
    "status": steps_status.status,
    "agent-leg": steps_status.agent_leg,
    "voicemail": steps_status.voicemail,
    "recording": steps_status.recording,
    "transcription": steps_status.transcription,
    "outbound": steps_status.outbound,
}
