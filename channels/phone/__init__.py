"""The phone channel: Twilio-compatible Programmable Voice webhooks, TwiML and REST calls.

Provider protocol only: signatures (``signature``), form bodies (``params``), TwiML
(``twiml``), the IVR tree (``ivr``), webhook steps (``steps_*``) and the REST client
(``rest``). What a call *is* (its states, its conversation, hold, wrap-up) lives in
``core.calls``. Hold is not sent to the provider: the agent is bridged with ``<Dial><Client>``,
which has no hold, and redirecting either leg through the REST API would end the bridge (hold
music on a live call needs the bridge to be a ``<Conference>``, whose participants can be held).
"""
