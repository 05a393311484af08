"""mfaguard.toml: a validated configuration model and its loader.

Validation errors name the file, the line and the field, and say what to do.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mfaguard.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "AccountEntry",
    "AccountsConfig",
    "AuditConfig",
    "AwsConfig",
    "Config",
    "MetricsConfig",
    "StoreConfig",
    "load_config",
]

DEFAULT_CONFIG_NAMES = ("mfaguard.toml", ".mfaguard.toml")
ACCOUNT_ID = re.compile(r"^\d{12}$")


class _Model(BaseModel):
    # Unknown keys are typos more often than not: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AwsConfig(_Model):
    profile: str | None = Field(None, description="boto3 profile for the starting credentials")
    region: str = "us-east-1"
    endpoint_url: str | None = Field(None, description="AWS endpoint override (an emulator)")
    retry_mode: Literal["standard", "adaptive", "legacy"] = "adaptive"
    max_attempts: int = Field(10, ge=1, le=50)
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(60.0, gt=0)


class AccountEntry(_Model):
    id: str
    name: str = ""
    role_arn: str | None = None
    external_id: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ACCOUNT_ID.match(v):
            raise ValueError(f"'{v}' is not a 12-digit AWS account id (quote it in TOML: id = \"012345678901\")")
        return v


class AccountsConfig(_Model):
    source: Literal["config", "organizations", "self"] = "self"
    role_name: str = "MfaguardAudit"
    role_arn_template: str | None = Field(
        None, description="e.g. arn:aws:iam::{account_id}:role/MfaguardAudit; overrides role_name"
    )
    external_id: str | None = None
    session_name: str = "mfaguard-audit"
    include: list[str] = Field(default_factory=list, description="account ids or name globs")
    exclude: list[str] = Field(default_factory=list)
    # The management account is audited with the caller's own credentials.
    audit_management_account: bool = True
    entries: list[AccountEntry] = Field(default_factory=list, alias="list")

    @field_validator("role_arn_template")
    @classmethod
    def _template(cls, v: str | None) -> str | None:
        if v is not None and "{account_id}" not in v:
            raise ValueError("must contain '{account_id}', e.g. arn:aws:iam::{account_id}:role/MfaguardAudit")
        return v

    @model_validator(mode="after")
    def _source_needs_list(self) -> AccountsConfig:
        if self.source == "config" and not self.entries:
            raise ValueError("source = \"config\" needs at least one [[accounts.list]] entry with an id")
        ids = [a.id for a in self.entries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"account ids listed twice: {', '.join(dupes)}")
        return self

    def role_arn_for(self, account_id: str) -> str:
        for entry in self.entries:
            if entry.id == account_id and entry.role_arn:
                return entry.role_arn
        if self.role_arn_template:
            return self.role_arn_template.format(account_id=account_id)
        return f"arn:aws:iam::{account_id}:role/{self.role_name}"

    def external_id_for(self, account_id: str) -> str | None:
        for entry in self.entries:
            if entry.id == account_id and entry.external_id:
                return entry.external_id
        return self.external_id


class AuditConfig(_Model):
    concurrency: int = Field(8, ge=1, le=256)
    device_kinds: bool = Field(True, description="call ListMFADevices for users with MFA to learn device kinds")
    reuse_report_minutes: int = Field(
        0, ge=0, le=240, description="reuse a credential report younger than this (AWS regenerates every 4 h)"
    )
    report_timeout_s: float = Field(300.0, gt=0)
    stale_days: int = Field(90, ge=1)
    team_tag: str = "team"
    email_tag: str = "email"
    person_tag: str = "person"
    default_team: str = "unassigned"
    # Groups whose members count as enforced, as globs. Empty: detect them from policy content.
    enforcement_groups: list[str] = Field(default_factory=list)
    detect_enforcement: bool = True
    admin_groups: list[str] = Field(default_factory=list)
    fail_under: float | None = Field(None, ge=0, le=100)


class StoreConfig(_Model):
    url: str | None = Field(None, description="sqlite path or postgresql:// URL; default: user data dir")


class StatsdConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(8125, ge=1, le=65535)
    prefix: str = "mfaguard"
    protocol: Literal["udp", "tcp"] = "udp"


class PrometheusConfig(_Model):
    pushgateway: str | None = None
    job: str = "mfaguard"
    textfile: str | None = None


class MetricsConfig(_Model):
    statsd: StatsdConfig | None = None
    prometheus: PrometheusConfig | None = None


class Config(_Model):
    aws: AwsConfig = Field(default_factory=AwsConfig)
    accounts: AccountsConfig = Field(default_factory=AccountsConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    # Sections owned by later stages (roster, rollout, notify) are validated by those stages.
    extra: dict[str, Any] = Field(default_factory=dict)
    source_path: str = ""


_OWNED_ELSEWHERE = ("rollout", "notify", "smtp", "roster", "terraform", "session")


def find_config(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("MFAGUARD_CONFIG")
    if env:
        return Path(env)
    for name in DEFAULT_CONFIG_NAMES:
        if Path(name).is_file():
            return Path(name)
    return None


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file; no file at all means all defaults."""
    found = find_config(str(path) if path else None)
    if found is None:
        return Config()
    try:
        text = found.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=str(found), hint="check the path") from None
    return parse_config(text, str(found))


def parse_config(text: str, path: str = "mfaguard.toml") -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}",
            path=path,
            line=int(match.group(1)) if match else None,
            hint="fix the syntax; strings need quotes, tables are [name]",
        ) from None
    extra = {k: data.pop(k) for k in list(data) if k in _OWNED_ELSEWHERE}
    try:
        return Config(**data, extra=extra, source_path=path)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown setting"
            hint = "check the spelling against the documented settings (docs/configuration.md)"
        else:
            hint = "see docs/configuration.md for the allowed values"
        raise ConfigError(msg, path=path, line=_locate(text, loc), field=field, hint=hint) from None


def _locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a pydantic error location in TOML text (tomllib keeps no positions)."""
    keys = [p for p in loc if isinstance(p, str)]
    indexes = [p for p in loc if isinstance(p, int)]
    if not keys:
        return None
    table: list[str] = []
    seen_arrays: dict[str, int] = {}
    best: int | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[["):
            name = line.strip("[] ")
            seen_arrays[name] = seen_arrays.get(name, -1) + 1
            table = name.split(".")
            if table == keys[: len(table)] and (not indexes or seen_arrays[name] == indexes[0]):
                best = best or lineno
            continue
        if line.startswith("["):
            table = line.strip("[] ").split(".")
            if table == keys[: len(table)] and len(table) == len(keys):
                best = lineno
            continue
        key = line.split("=", 1)[0].strip().strip('"') if "=" in line else ""
        if key and [*table, key] == keys[: len(table) + 1] and len(table) + 1 == len(keys):
            array = ".".join(table)
            if array in seen_arrays and indexes and seen_arrays[array] != indexes[0]:
                continue
            return lineno
    return best
