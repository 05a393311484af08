"""The `[rollout]`, `[notify]` and `[smtp]` sections of mfaguard.toml, validated here (config.py leaves them raw).

The SMTP password is never a setting: it comes from the environment variable named by ``password_env``.
Host, port and user name may be overridden by ``MFAGUARD_SMTP_HOST``/``_PORT``/``_USERNAME``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mfaguard.errors import ConfigError

__all__ = ["NotifySettings", "RolloutSettings", "SmtpSettings", "load_settings"]

DOCS = "docs/rollout.md"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RolloutSettings(_Model):
    max_snapshot_age_hours: float = Field(24.0, gt=0, description="advance refuses an older audit snapshot")
    # Access levels of the roster whose enforced members hold administrator access in their accounts.
    admin_levels: list[str] = Field(default_factory=lambda: ["admin"])
    history: int = Field(6, ge=1, le=100, description="snapshots shown in the trend of `rollout status`")


class NotifySettings(_Model):
    sender: str = Field("mfaguard <mfaguard@localhost>", alias="from")
    reply_to: str | None = None
    docs_url: str = Field("", description="link to your MFA how-to, quoted in every message")
    templates_dir: str | None = Field(None, description="directory with notify_subject.j2 / notify_body.j2")
    rate_per_minute: float = Field(30.0, gt=0, le=6000)
    default_region: str = "us-east-1"
    # When a wave has no target date, the deadline is this many days after the message.
    default_deadline_days: int = Field(14, ge=1, le=365)

    @field_validator("sender")
    @classmethod
    def _sender(cls, v: str) -> str:
        if "@" not in v:
            raise ValueError(f"'{v}' is not an email address (e.g. \"Security <security@example.com>\")")
        return v


class SmtpSettings(_Model):
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    ssl: bool = Field(False, description="implicit TLS (port 465) instead of plain/STARTTLS")
    username: str | None = None
    password_env: str = Field("MFAGUARD_SMTP_PASSWORD", description="environment variable with the password")
    timeout_s: float = Field(10.0, gt=0)
    ca_file: str | None = Field(None, description="CA bundle to verify the server's certificate (default: system)")

    @model_validator(mode="after")
    def _one_tls(self) -> SmtpSettings:
        if self.ssl and self.starttls:
            raise ValueError("choose one of ssl (implicit TLS) and starttls")
        return self

    def password(self, environ: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if environ is None else environ
        return env.get(self.password_env) or None

    def with_environment(self, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """Host, port and user name from MFAGUARD_SMTP_* when set (e.g. from a Kubernetes Secret)."""
        env = os.environ if environ is None else environ
        update: dict[str, Any] = {}
        if env.get("MFAGUARD_SMTP_HOST"):
            update["host"] = env["MFAGUARD_SMTP_HOST"]
        if env.get("MFAGUARD_SMTP_PORT"):
            try:
                update["port"] = int(env["MFAGUARD_SMTP_PORT"])
            except ValueError:
                raise ConfigError(f"'{env['MFAGUARD_SMTP_PORT']}' is not a port number",
                                  field="MFAGUARD_SMTP_PORT", hint="set it to a number such as 587") from None
        if env.get("MFAGUARD_SMTP_USERNAME"):
            update["username"] = env["MFAGUARD_SMTP_USERNAME"]
        return self.model_copy(update=update) if update else self


M = TypeVar("M", bound=BaseModel)


def _section(model: type[M], extra: Mapping[str, Any], name: str, source: str) -> M:
    raw = extra.get(name) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}] must be a table", path=source, field=name, hint=f"see {DOCS}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join([name, *(str(p) for p in err["loc"])]) if err["loc"] else name
        msg = "unknown setting" if err["type"] == "extra_forbidden" else str(err["msg"]).removeprefix("Value error, ")
        line = _line_of(source, name, [str(p) for p in err["loc"]])
        hint = f"see the [{name}] settings in {DOCS}"
        if field == "smtp.password":
            hint = ("the password is never read from this file: remove it, and put it in the environment "
                    "variable named by [smtp] password_env (default MFAGUARD_SMTP_PASSWORD)")
        raise ConfigError(msg, path=source, line=line, field=field, hint=hint) from None


def _line_of(source: str, section: str, keys: list[str]) -> int | None:
    """Best effort: the line of ``key`` inside ``[section]`` of the TOML file (tomllib keeps no positions)."""
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    inside, header = False, None
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if text.startswith("["):
            inside = text.strip("[] ") == section
            header = number if inside else header
            continue
        if inside and keys and "=" in text and text.split("=", 1)[0].strip().strip('"') == keys[0]:
            return number
    return header


def load_settings(
    extra: Mapping[str, Any], source: str = "mfaguard.toml"
) -> tuple[RolloutSettings, NotifySettings, SmtpSettings]:
    """The three sections, validated; errors name the file, the field and what to do."""
    return (
        _section(RolloutSettings, extra, "rollout", source),
        _section(NotifySettings, extra, "notify", source),
        _section(SmtpSettings, extra, "smtp", source),
    )
