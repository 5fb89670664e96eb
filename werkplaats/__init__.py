"""Werkplaats shared runtime: settings, logging, storage, outbox, inbox, dead-lettering, the CLI.

Errors::

    WerkplaatsError            root of the runtime's own errors
    ├── PermanentError         processing this message can never succeed: dead-letter it at once
    ├── UnknownServiceError    no service of that name is registered (also LookupError)
    ├── RegistryError          organisations: exists, unknown organisation, unknown key (also ValueError)
    ├── KafkaSecurityError     SASL/TLS settings that do not fit together (also ValueError)
    ├── TopicCreationError     the broker refused to create a topic (also RuntimeError)
    └── ArtifactError, BrokerError, SecurityToolError   the local broker (also RuntimeError)

Services root their errors in their domain (``SchedulingError``, ``NotificationsError``); the
contracts in ``ContractError``.
"""
