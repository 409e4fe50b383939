"""Calls as the domain sees them: the lifecycle of an ``Interaction`` from the IVR to wrap-up.

A call is an Interaction keyed by the provider's call sid: IVR (choices in ``ivr_path``,
identity check in ``verified``) → QUEUED (it became, or joined, the caller's conversation and
waits for an agent) → RINGING → ANSWERED (bridged to the agent, who may put it on hold) →
COMPLETED, or a provider failure state; a caller who hangs up before an agent answers is
``abandoned``. When an answered call ends the agent goes to wrap-up, which the disposition
ends (AHT = talk + hold + wrap-up, D20). Every function here never commits, and those the
provider's webhooks call are idempotent under its retries.
"""
