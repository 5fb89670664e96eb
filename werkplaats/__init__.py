"""Werkplaats shared runtime: settings, logging, storage, outbox, inbox, dead-lettering, the CLI.

Errors::

    WerkplaatsError            root of the runtime's own errors
    └── PermanentError         processing this message can never succeed: dead-letter it at once
"""
