"""Fixtures for the policy evaluator tests: the action catalog, and policy builders."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from mfaguard.policy.catalog import Catalog, load_catalog
from mfaguard.policy.document import Policy, parse_policy
from tests.support.terraform import PgpKey, TerraformKit

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
def pgp_public_key(pgp_key: PgpKey) -> str:
    """The example encrypts generated passwords with it."""
    return pgp_key.public_b64


@pytest.fixture
def complete_example(tmp_path: Path, tf_kit: TerraformKit, moto: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """terraform/examples/complete, initialised in a private copy, its provider pointed at moto."""
    from mfaguard.terraform import write_endpoint_override

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    tree = tmp_path / "terraform"
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl")
    shutil.copytree(REPO_TERRAFORM, tree, ignore=ignore)
    workdir = tree / "examples" / "complete"
    write_endpoint_override(workdir, moto.url)
    tf = tf_kit(workdir)
    tf.init()
    return tf
