"""Fixtures for the Terraform tests: the real Terraform, the real hashicorp/aws provider from a local
mirror shared by the whole session, throwaway copies of the repository's terraform/ tree, and a PGP
key that only lives in a temporary keyring."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mfaguard.sandbox.server import Emulator
from mfaguard.terraform import Terraform, write_endpoint_override
from tests.support.terraform import TerraformKit

REPO_TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
MODULES = ("modules/iam-user", "modules/mfa-enforcement")
EXAMPLES = ("examples/complete", "examples/multi-account")


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


@pytest.fixture(scope="session")
def ssh_public_key() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    return public.decode() + " carol@laptop"
