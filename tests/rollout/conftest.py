"""Rollout fixtures: a real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest

from tests.support.ports import free_port
from tests.support.terraform import TerraformKit


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: Message


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    reject: set[str] = field(default_factory=set)  # recipients refused at RCPT TO

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message_from_bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    yield from _serve()


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpSink]:
    """An SMTP server that takes AUTH LOGIN/PLAIN on a plain connection for user mailer / password s3cr3t-Pw."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cr3t-Pw")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    yield from _serve(authenticator=authenticator, auth_require_tls=False)


def _serve(**options: Any) -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    # An explicit free port: aiosmtpd's readiness check fails with port 0.
    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, server_hostname="localhost", **options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def terraform_for(tf_kit: TerraformKit) -> TerraformKit:
    """Terraform in a directory, with the AWS provider from the session's local mirror."""
    return tf_kit


@dataclass(frozen=True)
class Tls:
    cert: str  # PEM file: the server's self-signed certificate, also the client's CA bundle
    key: str


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1/localhost, made here (no secret of any real service)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    root = tmp_path_factory.mktemp("tls")
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (root / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return Tls(str(root / "cert.pem"), str(root / "key.pem"))


@pytest.fixture
def smtp_starttls_server(tls: Tls) -> Iterator[SmtpSink]:
    """STARTTLS required, then AUTH (mailer / s3cr3t-Pw): what a real relay such as port 587 asks for."""
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert, tls.key)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cr3t-Pw")
        return AuthResult(success=ok, handled=False)

    yield from _serve(tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True)
