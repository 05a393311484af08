"""The Python side without running Terraform: finding it, the mirror, CLI config, provider blocks,
errors and the public API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mfaguard.terraform as api
from mfaguard.config import parse_config
from mfaguard.errors import ConfigError
from mfaguard.terraform import (
    ENV_TERRAFORM,
    OVERRIDE_FILENAME,
    Terraform,
    TerraformError,
    TerraformNotFoundError,
    endpoint_provider_blocks,
    find_terraform,
    prepare_provider_mirror,
    terraform_settings,
    write_cli_config,
    write_endpoint_override,
    write_shim,
)

PUBLIC_API = {
    "DEFAULT_SERVICES",
    "ENV_TERRAFORM",
    "OVERRIDE_FILENAME",
    "CommandResult",
    "PlanResult",
    "ProviderMirror",
    "Terraform",
    "TerraformError",
    "TerraformNotFoundError",
    "TerraformSettings",
    "terraform_settings",
    "bundled_provider_zips",
    "embedded_command",
    "endpoint_provider_blocks",
    "find_terraform",
    "prepare_provider_mirror",
    "write_cli_config",
    "write_endpoint_override",
    "write_shim",
}


def test_public_api_is_pinned_and_documented() -> None:
    assert set(api.__all__) == PUBLIC_API
    for name in PUBLIC_API:
        assert name in (api.__doc__ or ""), f"{name} missing from the package docstring"


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\necho fake\n")
    path.chmod(0o755)
    return path


def test_find_terraform_prefers_explicit_then_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, from_env = _executable(tmp_path / "a"), _executable(tmp_path / "b")
    monkeypatch.setenv(ENV_TERRAFORM, str(from_env))
    assert find_terraform(explicit) == [str(explicit)]
    assert find_terraform() == [str(from_env)]


def test_find_terraform_resolves_a_bare_name_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tofu = _executable(tmp_path / "tofu")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_terraform("tofu") == [str(tofu)]
    with pytest.raises(TerraformNotFoundError):
        find_terraform("missing-terraform")


def test_find_terraform_rejects_a_path_that_is_not_executable(tmp_path: Path) -> None:
    (tmp_path / "terraform").write_text("not executable")
    with pytest.raises(TerraformNotFoundError) as failure:
        find_terraform(tmp_path / "terraform")
    assert "does not name an executable" in str(failure.value) and "MFAGUARD_TERRAFORM" in failure.value.hint


def test_find_terraform_orders_path_and_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TERRAFORM, raising=False)
    on_path = _executable(tmp_path / "terraform")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_terraform() == [str(on_path)]
    embedded = find_terraform(prefer_embedded=True)
    assert embedded == [sys.executable, "-m", "mfaguard.terraform._embedded"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_terraform() == embedded


@pytest.mark.terraform
def test_shim_and_embedded_module_run_terraform(tmp_path: Path) -> None:
    shim = write_shim(tmp_path / "bin" / "terraform")
    assert os.access(shim, os.X_OK)
    for argv in ([str(shim), "version"], [*find_terraform(prefer_embedded=True), "version"]):
        out = subprocess.run(
            argv, capture_output=True, text=True, check=True, env={**os.environ, "CHECKPOINT_DISABLE": "1"}
        )
        assert out.stdout.startswith("Terraform v1.")


def test_provider_mirror_layout_and_cli_config(tmp_path: Path) -> None:
    mirror = prepare_provider_mirror(tmp_path / "mirror")
    zip_path = mirror.path / "registry.terraform.io/hashicorp/aws/terraform-provider-aws_3.39.0_linux_amd64.zip"
    assert zip_path.stat().st_size > 10_000_000
    assert mirror.providers == ("registry.terraform.io/hashicorp/aws 3.39.0",)
    config = mirror.cli_config_file.read_text()
    assert f'path    = "{mirror.path}"' in config
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in config
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in config
    again = prepare_provider_mirror(tmp_path / "mirror")  # idempotent
    assert (
        again == mirror
        and zip_path.stat().st_size == again.path.joinpath(zip_path.relative_to(mirror.path)).stat().st_size
    )


def test_cli_config_quotes_paths(tmp_path: Path) -> None:
    odd = tmp_path / 'dir "quoted"'
    text = write_cli_config(tmp_path / "rc", odd).read_text()
    assert 'path    = "' + str(odd.resolve()).replace('"', '\\"') + '"' in text


def test_endpoint_blocks_for_provider_3() -> None:
    text = endpoint_provider_blocks("http://127.0.0.1:5000", aliases=(None, "dev"))
    assert text.count('provider "aws" {') == 2
    assert 'alias  = "dev"' in text
    assert text.count('iam = "http://127.0.0.1:5000"') == 2 and 'sts = "http://127.0.0.1:5000"' in text
    for flag in (
        "skip_credentials_validation",
        "skip_requesting_account_id",
        "skip_metadata_api_check",
        "skip_region_validation",
        "skip_get_ec2_platforms",
        "s3_force_path_style",
    ):
        assert f"{flag}" in text
    assert "access_key" not in text


def test_endpoint_blocks_for_provider_5_drop_removed_arguments() -> None:
    text = endpoint_provider_blocks(
        "http://127.0.0.1:5000", provider_major=5, services=("iam",), access_key="AKIAEXAMPLE", secret_key="x"
    )
    assert "skip_get_ec2_platforms" not in text and "s3_force_path_style" not in text
    assert "s3_use_path_style = true" in text and "sts =" not in text
    assert 'access_key = "AKIAEXAMPLE"' in text


def test_write_endpoint_override_names_an_override_file(tmp_path: Path) -> None:
    path = write_endpoint_override(tmp_path, "http://127.0.0.1:1")
    assert path.name == OVERRIDE_FILENAME and path.name.endswith("_override.tf")


def test_runner_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOMETHING", "kept")
    tf = Terraform(
        tmp_path,
        command=["terraform"],
        cli_config_file=tmp_path / "rc",
        plugin_cache_dir=tmp_path / "cache",
        env={"TF_LOG": "WARN"},
    )
    env = tf.env
    assert env["TF_CLI_CONFIG_FILE"] == str(tmp_path / "rc")
    assert env["TF_PLUGIN_CACHE_DIR"] == str(tmp_path / "cache") and (tmp_path / "cache").is_dir()
    assert env["CHECKPOINT_DISABLE"] == "1" and env["TF_INPUT"] == "0"
    assert env["SOMETHING"] == "kept" and env["TF_LOG"] == "WARN"


def test_failed_command_raises_with_stderr_and_exit_code(tmp_path: Path) -> None:
    script = tmp_path / "fails"
    script.write_text("#!/bin/sh\necho 'Error: something precise' >&2\nexit 7\n")
    script.chmod(0o755)
    with pytest.raises(TerraformError) as failure:
        Terraform(tmp_path, command=[str(script)]).init()
    error = failure.value
    assert error.returncode == 7 and error.subcommand == "init"
    assert "terraform init failed (exit 7)" in str(error) and "Error: something precise" in str(error)


def test_missing_executable_raises_terraform_error(tmp_path: Path) -> None:
    with pytest.raises(TerraformError) as failure:
        Terraform(tmp_path, command=[str(tmp_path / "nope")]).run("version")
    assert "cannot run" in str(failure.value)


def test_variables_travel_in_a_temporary_file_that_is_removed(tmp_path: Path) -> None:
    script = tmp_path / "record"
    script.write_text('#!/bin/sh\nfor a in "$@"; do case "$a" in -var-file=*) cat "${a#-var-file=}";; esac; done\n')
    script.chmod(0o755)
    tf = Terraform(tmp_path, command=[str(script)])
    result = tf.apply(variables={"groups": ["a", "b"], "enforce": True})
    assert result.stdout == '{"groups": ["a", "b"], "enforce": true}'
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("mfaguard-*.tfvars.json")]
    assert not any(p.read_text() == result.stdout for p in leftovers)


def test_settings_from_config_build_a_runner(tmp_path: Path) -> None:
    binary = _executable(tmp_path / "tf")
    config = parse_config(
        f'[terraform]\nbinary = "{binary}"\nplugin_cache_dir = "{tmp_path}/cache"\ntimeout = 30\n', "m.toml"
    )
    runner = terraform_settings(config.extra, config.source_path).runner(tmp_path)
    assert runner.command == [str(binary)] and runner.timeout == 30
    assert runner.env["TF_PLUGIN_CACHE_DIR"] == f"{tmp_path}/cache"
    assert terraform_settings({}).timeout == 600


@pytest.mark.parametrize(
    ("table", "field", "message"),
    [({"binray": "x"}, "terraform.binray", "unknown setting"), ({"timeout": 0}, "terraform.timeout", "greater than 0")],
)
def test_bad_settings_name_the_field(table: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ConfigError) as failure:
        terraform_settings({"terraform": table}, "m.toml")
    assert failure.value.field == field and failure.value.path == "m.toml"
    assert message in str(failure.value)
