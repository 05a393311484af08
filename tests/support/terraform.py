"""The real Terraform for tests: the embedded binary, the AWS provider from a local mirror, a PGP key."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mfaguard.terraform import Terraform, find_terraform, prepare_provider_mirror


@dataclass(frozen=True)
class TerraformKit:
    """Makes a Terraform runner for a directory; every runner shares one provider mirror and plugin cache."""

    command: list[str]
    cli_config_file: Path
    plugin_cache_dir: Path

    def __call__(self, workdir: Path) -> Terraform:
        return Terraform(workdir, command=self.command, cli_config_file=self.cli_config_file,
                         plugin_cache_dir=self.plugin_cache_dir)


def make_kit(root: Path) -> TerraformKit:
    mirror = prepare_provider_mirror(root / "mirror")
    # The embedded Terraform (the `terraform` extra) first: the same version on every machine.
    return TerraformKit(find_terraform(prefer_embedded=True), mirror.cli_config_file, root / "plugin-cache")


@dataclass(frozen=True)
class PgpKey:
    home: Path  # GNUPGHOME holding the private key, to decrypt what Terraform encrypted
    public_b64: str

    def gpg_env(self) -> dict[str, str]:
        return {**os.environ, "GNUPGHOME": str(self.home)}

    def close(self) -> None:
        subprocess.run(["gpgconf", "--kill", "all"], env=self.gpg_env(), capture_output=True, check=False)


def make_pgp_key(home: Path) -> PgpKey:
    """A throwaway RSA key pair (the provider's OpenPGP library reads RSA) in a keyring of its own."""
    if shutil.which("gpg") is None:
        raise RuntimeError("gpg is missing: run scripts/install/20-terraform.sh")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}

    def gpg(*args: str) -> bytes:
        return subprocess.run(["gpg", "--batch", "--quiet", *args], env=env, capture_output=True, check=True).stdout

    gpg("--passphrase", "", "--quick-gen-key", "mfaguard test <test@example.invalid>", "rsa2048", "sign", "never")
    fingerprint = next(
        line.split(":")[9] for line in gpg("--list-keys", "--with-colons").decode().splitlines()
        if line.startswith("fpr:")
    )
    gpg("--passphrase", "", "--quick-add-key", fingerprint, "rsa2048", "encr", "never")
    return PgpKey(home, base64.b64encode(gpg("--export", fingerprint)).decode())
