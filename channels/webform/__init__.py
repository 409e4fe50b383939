"""The web-form channel: a hosted page, an embeddable script and a JSON endpoint per form.

All three ways end in ``channels.webform.intake.submit``: the submission is validated against
the form's definition (``definition``, ``validation``), checked against abuse (honeypot, CSRF
on the hosted page, captcha, rate limits), stored raw, then ingested (``core.forms``).
"""
