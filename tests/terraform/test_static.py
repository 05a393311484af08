"""fmt, init + validate of every module and example, and the modules' own `terraform test` suites."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from mfaguard.terraform import Terraform, TerraformError
from tests.terraform.conftest import EXAMPLES, MODULES, REPO_TERRAFORM, TerraformKit

pytestmark = pytest.mark.terraform


def test_every_file_is_canonically_formatted(tf_kit: TerraformKit, tmp_path: Path) -> None:
    unformatted = tf_kit(tmp_path).fmt(str(REPO_TERRAFORM), check=True, recursive=True)
    assert unformatted == []


def test_fmt_check_reports_an_unformatted_file(tf_kit: TerraformKit, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {\ntype=string\n}\n')
    assert tf_kit(tmp_path).fmt(check=True) == ["main.tf"]


@pytest.fixture(scope="module")
def initialized(tf_kit: TerraformKit, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Terraform]:
    """One read-only copy of terraform/ for this file; each directory is initialized once."""
    tree = tmp_path_factory.mktemp("static") / "terraform"
    shutil.copytree(REPO_TERRAFORM, tree, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    done: dict[str, Terraform] = {}

    def _get(relative: str) -> Terraform:
        if relative not in done:
            done[relative] = tf_kit(tree / relative)
            done[relative].init(backend=False)
        return done[relative]

    return _get


@pytest.mark.parametrize("relative", MODULES + EXAMPLES)
def test_init_and_validate(initialized: Callable[[str], Terraform], relative: str) -> None:
    tf = initialized(relative)
    report = tf.validate()
    assert report["valid"] is True
    assert report["error_count"] == 0
    assert (tf.workdir / ".terraform.lock.hcl").read_text().count('provider "registry.terraform.io/hashicorp/aws"') == 1


@pytest.mark.parametrize("relative", MODULES)
def test_module_test_suite_passes(initialized: Callable[[str], Terraform], relative: str) -> None:
    """The mock-provider suites: a secret without a PGP key, bad access-level names... are rejected."""
    tf = initialized(relative)
    result = tf.test()
    runs = len(re.findall(r'^\s*run "', (tf.workdir / "tests" / "validation.tftest.hcl").read_text(), re.M))
    assert runs >= 9
    assert f"Success! {runs} passed, 0 failed." in result.stdout


def test_module_test_suite_catches_a_missing_validation(tf_kit: TerraformKit, tf_tree: Path) -> None:
    """Without the PGP-key rule the suite fails: the expect_failures runs really test the validation."""
    variables = tf_tree / "modules/iam-user/variables.tf"
    text = variables.read_text()
    rule = "var.pgp_key != null || !(var.create_login_profile || var.create_access_key)"
    assert rule in text
    variables.write_text(text.replace(rule, 'var.pgp_key != "never"'))
    tf = tf_kit(tf_tree / "modules/iam-user")
    tf.init(backend=False)
    with pytest.raises(TerraformError) as failure:
        tf.test()
    assert 'run "password_without_pgp_key_is_rejected"... fail' in failure.value.stdout


def test_invalid_configuration_raises_with_terraforms_diagnostic(tf_kit: TerraformKit, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_iam_user" "x" {\n  name = "a"\n  nmae = "typo"\n}\n')
    tf = tf_kit(tmp_path)
    tf.init(backend=False)
    with pytest.raises(TerraformError) as failure:
        tf.validate()
    message = str(failure.value)
    assert "terraform validate failed" in message
    assert "Unsupported argument" in message and "main.tf:3" in message


def test_enforcement_is_never_switched_on_by_default(tf_kit: TerraformKit, tf_tree: Path) -> None:
    """A module call without enforce_mfa is invalid: enforcement is always an explicit decision."""
    root = tf_tree / "roots" / "implicit"
    root.mkdir(parents=True)
    (root / "main.tf").write_text('module "mfa" {\n  source = "../../modules/mfa-enforcement"\n}\n')
    with pytest.raises(TerraformError) as failure:
        tf_kit(root).init(backend=False)
    assert 'The argument "enforce_mfa" is required' in str(failure.value)


@pytest.mark.parametrize("relative", MODULES + EXAMPLES)
def test_version_constraints_admit_the_tested_and_current_providers(relative: str) -> None:
    """3.39 is what the suite runs here; 5.x and 6.x are what people run (Terraform >= 1.9 everywhere)."""
    text = (REPO_TERRAFORM / relative / "versions.tf").read_text()
    aws = SpecifierSet(re.search(r'aws\s*=\s*\{[^}]*?\bversion\s*=\s*"([^"]+)"', text)[1])  # type: ignore[index]
    assert all(aws.contains(v) for v in ("3.39.0", "5.100.0", "6.0.0", "6.20.0"))
    assert not aws.contains("2.70.0")
    core = SpecifierSet(re.search(r'required_version\s*=\s*"([^"]+)"', text)[1])  # type: ignore[index]
    assert core.contains("1.9.0") and core.contains("1.15.5") and not core.contains("1.8.5")
