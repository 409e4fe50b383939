"""The phone channel: Twilio-compatible Programmable Voice webhooks, TwiML and REST calls.

Provider protocol only: signatures (``signature``), form bodies (``params``), TwiML
(``twiml``), the IVR tree (``ivr``), webhook steps (``steps_*``) and the REST client
(``rest``). What a call *is* (its states, its conversation, wrap-up) lives in ``core.calls``.
"""
