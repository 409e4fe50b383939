"""The SLA engine (D15): targets in working time, clocks on conversations, breaches and what
they set off, and breach prediction.

business_hours  working-time arithmetic on a weekly calendar with holidays and time zones
calendars       stored calendars, and which one a clock runs on
policies        which targets a conversation gets (and the default set)
clocks          starting, pausing, resuming and stopping clocks; the conversation's due columns
hooks           what the conversation lifecycle calls
sweep           warnings and breaches, found through partial indexes, recorded exactly once
actions         what a breach sets off: notify, raise priority, move queue, climb the org tree
notify          the team lead's notice and the tenant's signed webhook
prediction      when waiting conversations will be answered; at-risk flags and their accuracy
state           clocks as the API shows them, and the breach list
"""
