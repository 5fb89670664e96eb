"""A Kafka client trusts the CA file it is given (Strimzi's cluster CA on Kubernetes), and only then."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from werkplaats.kafka_security import KafkaSecurity, client_options
from werkplaats.settings import RuntimeSettings


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_server(authority: trustme.CA) -> AsyncIterator[int]:
    """A loopback TLS server whose certificate ``authority`` signed; yields its port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def handshake(port: int, security: KafkaSecurity) -> None:
    context = client_options(security)["ssl_context"]
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="127.0.0.1")
    writer.close()


def cafile(authority: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.crt"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


async def test_a_client_given_the_cluster_ca_completes_the_tls_handshake(
    authority: trustme.CA, tls_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "scheduling")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "not-a-real-password")
    monkeypatch.setenv("KAFKA_SSL_CAFILE", cafile(authority, tmp_path))
    await handshake(tls_server, KafkaSecurity.from_settings(RuntimeSettings()))


async def test_without_the_ca_file_the_broker_certificate_is_refused(tls_server: int) -> None:
    security = KafkaSecurity.scram("scheduling", "not-a-real-password", tls=True)
    with pytest.raises(ssl.SSLCertVerificationError):
        await handshake(tls_server, security)
