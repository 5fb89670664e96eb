"""Organisations and their API keys: the registry on the ``organisations`` topic, read by every service."""

from werkplaats.organisations.directory import OrganisationDirectory, read_organisations
from werkplaats.organisations.keys import IssuedKey, hash_key, issue_key, key_id_of
from werkplaats.organisations.registry import (
    OrganisationExistsError,
    RegistryError,
    UnknownKeyError,
    UnknownOrganisationError,
    add_missing_organisations,
    add_organisation,
    revoke_key,
    revoke_organisation,
    rotate_key,
)

__all__ = [
    "IssuedKey",
    "OrganisationDirectory",
    "OrganisationExistsError",
    "RegistryError",
    "UnknownKeyError",
    "UnknownOrganisationError",
    "add_missing_organisations",
    "add_organisation",
    "hash_key",
    "issue_key",
    "key_id_of",
    "read_organisations",
    "revoke_key",
    "revoke_organisation",
    "rotate_key",
]
