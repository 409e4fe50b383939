"""Web forms in the domain: the forms a tenant defines (``service``) and what a submission
becomes (``submissions``): a raw record first, then a conversation message with its reference.

What a form's fields look like and how a submission is checked against them is the web-form
channel's business (``channels.webform``); core stores the definition it was given.
"""
