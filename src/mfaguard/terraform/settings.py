"""The `[terraform]` section of mfaguard.toml: which Terraform to run and how.

```toml
[terraform]
binary = "/usr/local/bin/terraform"     # default: $MFAGUARD_TERRAFORM, PATH, then the embedded one
cli_config_file = "~/.terraformrc"      # becomes TF_CLI_CONFIG_FILE
plugin_cache_dir = "~/.cache/terraform" # becomes TF_PLUGIN_CACHE_DIR
timeout = 600                           # seconds per command
```
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mfaguard.errors import ConfigError
from mfaguard.terraform.binary import find_terraform
from mfaguard.terraform.runner import Terraform

__all__ = ["TerraformSettings", "terraform_settings"]


class TerraformSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    binary: str | None = Field(None, description="path of the terraform executable")
    cli_config_file: str | None = Field(None, description="Terraform CLI config file (TF_CLI_CONFIG_FILE)")
    plugin_cache_dir: str | None = Field(None, description="shared provider cache (TF_PLUGIN_CACHE_DIR)")
    timeout: float = Field(600, gt=0, description="seconds a single terraform command may take")

    def runner(self, workdir: str | os.PathLike[str]) -> Terraform:
        """A :class:`Terraform` in ``workdir`` configured by these settings."""
        return Terraform(
            workdir,
            command=find_terraform(Path(self.binary).expanduser() if self.binary else None),
            cli_config_file=Path(self.cli_config_file).expanduser() if self.cli_config_file else None,
            plugin_cache_dir=Path(self.plugin_cache_dir).expanduser() if self.plugin_cache_dir else None,
            timeout=self.timeout,
        )


def terraform_settings(extra: dict[str, Any], source_path: str = "mfaguard.toml") -> TerraformSettings:
    """Validate the `[terraform]` table (``Config.extra``); errors name the file and the field."""
    try:
        return TerraformSettings(**(extra.get("terraform") or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "terraform." + ".".join(str(p) for p in err["loc"])
        message = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(
            message,
            path=source_path,
            field=field,
            hint="[terraform] accepts binary, cli_config_file, plugin_cache_dir, timeout (docs/terraform.md)",
        ) from None
    except TypeError:
        raise ConfigError(
            "must be a table", path=source_path, field="terraform", hint="write it as a [terraform] section"
        ) from None
