"""Fixtures for the Terraform tests: the real Terraform, the real hashicorp/aws provider from a local
mirror shared by the whole session, throwaway copies of the repository's terraform/ tree, and a PGP
key that only lives in a temporary keyring."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mfaguard.sandbox.server import Emulator
from mfaguard.terraform import Terraform, find_terraform, prepare_provider_mirror, write_endpoint_override

REPO_TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
MODULES = ("modules/iam-user", "modules/mfa-enforcement")
EXAMPLES = ("examples/complete", "examples/multi-account")


@dataclass(frozen=True)
class TerraformKit:
    command: list[str]
    cli_config_file: Path
    plugin_cache_dir: Path

    def __call__(self, workdir: Path) -> Terraform:
        return Terraform(
            workdir,
            command=self.command,
            cli_config_file=self.cli_config_file,
            plugin_cache_dir=self.plugin_cache_dir,
        )


@pytest.fixture(scope="session")
def tf_kit(tmp_path_factory: pytest.TempPathFactory) -> TerraformKit:
    """One provider mirror and plugin cache for every test: init links the provider, never copies it."""
    root = tmp_path_factory.mktemp("terraform-kit")
    mirror = prepare_provider_mirror(root / "mirror")
    # The embedded Terraform (the `terraform` extra) first: the same version on every machine.
    return TerraformKit(find_terraform(prefer_embedded=True), mirror.cli_config_file, root / "plugin-cache")


@pytest.fixture
def tf_tree(tmp_path: Path) -> Path:
    """A private copy of terraform/ (modules and examples keep their relative paths)."""
    target = tmp_path / "terraform"
    shutil.copytree(
        REPO_TERRAFORM, target, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl")
    )
    return target


@pytest.fixture
def aws_moto(moto: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The moto server, empty, with AWS managed policies (PowerUserAccess...) loaded in new accounts."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return moto


@pytest.fixture
def deploy(tf_kit: TerraformKit, tf_tree: Path, aws_moto: Emulator) -> Callable[..., Terraform]:
    """Init a directory of the private tree with the AWS provider pointed at moto."""

    def _deploy(relative: str, aliases: tuple[str | None, ...] = (None,)) -> Terraform:
        workdir = tf_tree / relative
        write_endpoint_override(workdir, aws_moto.url, aliases=aliases)
        tf = tf_kit(workdir)
        tf.init()
        return tf

    return _deploy


@dataclass(frozen=True)
class PgpKey:
    home: Path
    public_b64: str


@pytest.fixture(scope="session")
def pgp_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgpKey]:
    """A throwaway RSA key pair (the provider's OpenPGP library reads RSA) in a temporary keyring."""
    if shutil.which("gpg") is None:
        pytest.fail("gpg is missing: run scripts/install/20-terraform.sh")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}

    def gpg(*args: str) -> bytes:
        return subprocess.run(["gpg", "--batch", "--quiet", *args], env=env, capture_output=True, check=True).stdout

    gpg("--passphrase", "", "--quick-gen-key", "mfaguard test <test@example.invalid>", "rsa2048", "sign", "never")
    fingerprint = next(
        line.split(":")[9]
        for line in gpg("--list-keys", "--with-colons").decode().splitlines()
        if line.startswith("fpr:")
    )
    gpg("--passphrase", "", "--quick-add-key", fingerprint, "rsa2048", "encr", "never")
    yield PgpKey(home, base64.b64encode(gpg("--export", fingerprint)).decode())
    subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True, check=False)


@pytest.fixture(scope="session")
def ssh_public_key() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    return public.decode() + " carol@laptop"
