"""The email channel: SMTP listener, IMAP polling and a raw-MIME webhook in; SMTP out.

All three inbound paths end in ``channels.email.inbound.receive_email``: the raw message is
stored first, then parsed (``parsing.parse_email``), then ingested.
"""
