"""Fixtures for developer MFA sessions: moto with TOTP checking, a user with a real virtual MFA device.

The emulator here is wrapped by ``mfaguard.sandbox.totp.TotpCheck``, so STS refuses wrong codes the way
AWS does. Codes come from pyotp and the device's seed, as an authenticator app would compute them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mfaguard.sandbox.server import Emulator, start_emulator
from mfaguard.sandbox.totp import TotpCheck

from .support import ACCOUNT, PASSPHRASE, User, write_aws_files

TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'
    + ACCOUNT
    + ':root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}'
)


@dataclass
class TotpEmulator:
    emulator: Emulator
    check: TotpCheck


@pytest.fixture(scope="session")
def totp_emulator() -> Iterator[TotpEmulator]:
    holder: list[TotpCheck] = []

    def wrap(app: object) -> TotpCheck:
        holder.append(TotpCheck(app))  # type: ignore[arg-type]
        return holder[-1]

    emulator = start_emulator(wrap=wrap)
    # The middleware is built in the server thread; wait until it exists.
    deadline = time.monotonic() + 10
    while not holder and time.monotonic() < deadline:
        time.sleep(0.01)
    yield TotpEmulator(emulator, holder[0])
    emulator.stop()


@pytest.fixture(autouse=True)
def _session_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test: the encrypted-file cache in its own folder, a passphrase, no nesting marker."""
    monkeypatch.setenv("MFAGUARD_SESSION_BACKEND", "file")
    monkeypatch.setenv("MFAGUARD_SESSION_FILE", str(tmp_path / "cache" / "sessions.enc"))
    monkeypatch.setenv("MFAGUARD_FILE_PASSPHRASE", PASSPHRASE)
    for var in ("MFAGUARD_PROFILE", "PYTHON_KEYRING_BACKEND", "AWS_MFA_SERIAL", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def alice(totp_emulator: TotpEmulator, monkeypatch: pytest.MonkeyPatch) -> User:
    """IAM user alice with an access key, an enabled virtual MFA device and two roles to assume."""
    import boto3
    import pyotp

    em = totp_emulator.emulator
    em.reset()
    totp_emulator.check.reset()
    iam = boto3.client("iam", **em.client_kwargs())
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    seed = device["Base32StringSeed"].decode("ascii")
    totp = pyotp.TOTP(seed)
    now = time.time()
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now),
    )
    for role in ("Admin", "ReadOnly"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST, MaxSessionDuration=43200)
    monkeypatch.setenv("AWS_ENDPOINT_URL", em.url)
    user = User(
        name="alice", serial=device["SerialNumber"], seed=seed, access_key=key["AccessKeyId"],
        secret_key=key["SecretAccessKey"], endpoint=em.url, check=totp_emulator.check,
    )
    write_aws_files(user)
    return user
