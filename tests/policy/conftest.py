"""Fixtures for the policy evaluator tests: the action catalog, and policy builders."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mfaguard.policy.catalog import Catalog, load_catalog
from mfaguard.policy.document import Policy, parse_policy

ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


def policy(*statements: dict[str, Any], name: str = "test", version: str | None = "2012-10-17",
           kind: str = "identity") -> Policy:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return parse_policy(doc, name=name, kind=kind)  # type: ignore[arg-type]


def user_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:user{path}{name}"


# -- real Terraform (the `terraform` marker) ------------------------------------------------------------------

REPO_TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"


@pytest.fixture(scope="session")
def tf_command(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The embedded Terraform and a provider mirror shared by this folder's Terraform tests."""
    from mfaguard.terraform import find_terraform, prepare_provider_mirror

    root = tmp_path_factory.mktemp("policy-terraform")
    mirror = prepare_provider_mirror(root / "mirror")
    return {"command": find_terraform(prefer_embedded=True), "cli_config_file": mirror.cli_config_file,
            "plugin_cache_dir": root / "plugin-cache"}


@pytest.fixture(scope="session")
def pgp_public_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway key in a temporary keyring: the example encrypts generated passwords with it."""
    if shutil.which("gpg") is None:
        pytest.fail("gpg is missing: run scripts/install/20-terraform.sh")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}

    def gpg(*args: str) -> bytes:
        return subprocess.run(["gpg", "--batch", "--quiet", *args], env=env, capture_output=True, check=True).stdout

    gpg("--passphrase", "", "--quick-gen-key", "mfaguard policy test <t@example.invalid>", "rsa2048", "sign", "never")
    fpr = next(line.split(":")[9] for line in gpg("--list-keys", "--with-colons").decode().splitlines()
               if line.startswith("fpr:"))
    gpg("--passphrase", "", "--quick-add-key", fpr, "rsa2048", "encr", "never")
    yield base64.b64encode(gpg("--export", fpr)).decode()
    subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True, check=False)


@pytest.fixture
def complete_example(tmp_path: Path, tf_command: dict[str, Any], moto: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """terraform/examples/complete, initialised in a private copy, its provider pointed at moto."""
    from mfaguard.terraform import Terraform, write_endpoint_override

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    tree = tmp_path / "terraform"
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl")
    shutil.copytree(REPO_TERRAFORM, tree, ignore=ignore)
    workdir = tree / "examples" / "complete"
    write_endpoint_override(workdir, moto.url)
    tf = Terraform(workdir, **tf_command)
    tf.init()
    return tf
