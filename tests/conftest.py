"""Fixtures shared by the whole suite.

The AWS emulator is the real moto server over HTTP; each test that uses ``moto`` gets it reset.
Environment variables that could point boto3 at a real account are cleared for every test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mfaguard.sandbox.server import FAKE_CREDENTIALS, Emulator, start_emulator
from tests.support.awsorg import Org, new_org
from tests.support.faultproxy import FaultProxy
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.terraform import PgpKey, TerraformKit, make_kit, make_pgp_key

_AWS_VARS = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "MFAGUARD_CONFIG", "MFAGUARD_STORE",
)


@pytest.fixture(autouse=True)
def _isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for var in _AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    home = tmp_path_factory.mktemp("home")
    # No test reads or writes the real ~/.aws or the user's data dir.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "aws-credentials"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Emulator]:
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def moto(moto_server: Emulator) -> Iterator[Emulator]:
    """The moto server, empty at the start of the test."""
    moto_server.reset()
    yield moto_server


@pytest.fixture
def org(moto: Emulator) -> Org:
    """An empty organization in the emulator; the caller is its management account."""
    return new_org(moto)


@pytest.fixture
def proxy(moto: Emulator) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the emulator (see tests/support/faultproxy.py)."""
    p = FaultProxy(upstream=moto.url).start()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL on 127.0.0.1, started once for the whole suite."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tf_kit(tmp_path_factory: pytest.TempPathFactory) -> TerraformKit:
    """The real Terraform and AWS provider; one mirror and plugin cache for every test of the session."""
    return make_kit(tmp_path_factory.mktemp("terraform-kit"))


@pytest.fixture(scope="session")
def pgp_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgpKey]:
    """A throwaway PGP key pair in a temporary keyring (Terraform encrypts generated secrets with it)."""
    key = make_pgp_key(tmp_path_factory.mktemp("gnupg"))
    yield key
    key.close()
