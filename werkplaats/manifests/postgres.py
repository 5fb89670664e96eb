"""CloudNativePG resources: one PostgreSQL cluster, a role and a database per service, backups."""

from __future__ import annotations

from werkplaats.localkafka.security import service_access
from werkplaats.manifests.strimzi import Manifest

CNPG_API = "postgresql.cnpg.io/v1"
POSTGRES_CLUSTER = "werkplaats-postgres"
BACKUP_SECRET = "werkplaats-backup-s3"  # noqa: S105 - the name of a Secret, not its value
BACKUP_DESTINATION = "s3://werkplaats-backups/postgres"
PART_OF = {"app.kubernetes.io/part-of": "werkplaats"}


def role_secret(service: str) -> str:
    """The ``kubernetes.io/basic-auth`` Secret holding the database login of ``service``."""
    return f"werkplaats-{service}-db"


def cluster() -> Manifest:
    """Three PostgreSQL instances, a login role per service, WAL archiving and base backups to S3."""
    roles = [
        {
            "name": service,
            "ensure": "present",
            "login": True,
            "passwordSecret": {"name": role_secret(service)},
        }
        for service in sorted(service_access())
    ]
    credentials = {
        "accessKeyId": {"name": BACKUP_SECRET, "key": "access-key-id"},
        "secretAccessKey": {"name": BACKUP_SECRET, "key": "secret-access-key"},
    }
    return {
        "apiVersion": CNPG_API,
        "kind": "Cluster",
        "metadata": {"name": POSTGRES_CLUSTER, "labels": PART_OF},
        "spec": {
            "instances": 3,
            "primaryUpdateStrategy": "unsupervised",
            "storage": {"size": "20Gi"},
            "walStorage": {"size": "5Gi"},
            "managed": {"roles": roles},
            "backup": {
                "retentionPolicy": "30d",
                "barmanObjectStore": {
                    "destinationPath": BACKUP_DESTINATION,
                    "s3Credentials": credentials,
                    "wal": {"compression": "gzip"},
                    "data": {"compression": "gzip"},
                },
            },
        },
    }


def database(service: str) -> Manifest:
    """The database of ``service``, owned by its role."""
    return {
        "apiVersion": CNPG_API,
        "kind": "Database",
        "metadata": {"name": f"werkplaats-{service}", "labels": PART_OF},
        "spec": {
            "name": service,
            "owner": service,
            "cluster": {"name": POSTGRES_CLUSTER},
            "ensure": "present",
            "databaseReclaimPolicy": "retain",
            "extensions": [{"name": "btree_gist", "ensure": "present"}],
        },
    }


def scheduled_backup() -> Manifest:
    """A base backup every night at 02:00 (WAL is archived continuously: point-in-time recovery)."""
    return {
        "apiVersion": CNPG_API,
        "kind": "ScheduledBackup",
        "metadata": {"name": f"{POSTGRES_CLUSTER}-nightly", "labels": PART_OF},
        "spec": {
            "schedule": "0 0 2 * * *",
            "cluster": {"name": POSTGRES_CLUSTER},
            "method": "barmanObjectStore",
            "backupOwnerReference": "self",
        },
    }


def postgres_resources() -> list[Manifest]:
    """The cluster, every service's database and the nightly backup."""
    return [cluster(), *(database(service) for service in sorted(service_access())), scheduled_backup()]
