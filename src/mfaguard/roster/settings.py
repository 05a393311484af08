"""The `[roster]` section of mfaguard.toml: where the roster and the rendered Terraform live."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mfaguard.errors import ConfigError

__all__ = ["RosterSettings", "roster_settings"]


class RosterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field("roster.yaml", description="the roster file")
    terraform_dir: str = Field("terraform/accounts", description="one generated directory per account in here")
    backend_bucket: str | None = None
    backend_key: str = "mfaguard/users/{account}.tfstate"
    backend_region: str = "us-east-1"
    lock_table: str | None = None
    pgp_key: str | None = None


def roster_settings(extra: dict[str, Any], source: str = "mfaguard.toml") -> RosterSettings:
    try:
        return RosterSettings(**(extra.get("roster") or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "roster." + ".".join(str(p) for p in err["loc"])
        msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(msg, path=source, field=field, hint="see docs/roster.md for the [roster] settings") from None
