"""Helpers shared by the session tests: the test user, AWS files, running the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mfaguard.sandbox.totp import TotpCheck

ACCOUNT = "123456789012"
PASSPHRASE = "correct horse battery staple"


@dataclass
class User:
    name: str
    serial: str
    seed: str
    access_key: str
    secret_key: str
    endpoint: str
    check: TotpCheck
    prompts: list[str] = field(default_factory=list)

    def code(self) -> str:
        import pyotp

        return str(pyotp.TOTP(self.seed).now())

    def ask(self, label: str) -> str:
        """A person answering the prompt with their authenticator app."""
        self.prompts.append(label)
        return self.code()


def write_aws_files(user: User, extra_config: str = "") -> None:
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[{user.name}]\naws_access_key_id = {user.access_key}\naws_secret_access_key = {user.secret_key}\n"
    )
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "# managed by hand; mfaguard must keep this comment\n"
        "[default]\nregion = eu-west-1\n\n"
        f"[profile {user.name}]\nmfa_serial = {user.serial}\n\n"
        f"[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = {user.name}\n\n"
        f"[profile readonly]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly\nsource_profile = {user.name}\n\n"
        f"[profile admin-long]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = {user.name}\n"
        "duration_seconds = 14400\n"
        + extra_config
    )


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60):
    """The real console entry point in a subprocess without a controlling terminal."""
    return subprocess.run(
        [sys.executable, "-m", "mfaguard", *args], capture_output=True, text=True, input=input,
        env=env if env is not None else dict(os.environ), timeout=timeout, start_new_session=True,
    )
