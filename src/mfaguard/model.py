"""The one data model every stage shares: accounts, raw IAM facts, evaluated users, findings, snapshots.

Collection produces ``AccountFacts``; evaluation turns a list of them into a ``Snapshot``; the store,
metrics sinks, reports and rollout planning all read ``Snapshot``. Everything here is plain, immutable
data with a JSON round trip (``to_dict``/``from_dict``) so that no stage re-parses another's output.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, TypeVar

__all__ = [
    "SCHEMA_VERSION",
    "AccessKey",
    "Account",
    "AccountError",
    "AccountFacts",
    "Adoption",
    "DeviceKind",
    "Finding",
    "MfaDevice",
    "RootFacts",
    "Severity",
    "Snapshot",
    "UserFacts",
    "UserStatus",
    "utcnow",
]

# Version of the JSON/CSV/store schema of a Snapshot. Bump on any incompatible change.
SCHEMA_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class DeviceKind(str, enum.Enum):
    VIRTUAL = "virtual"
    HARDWARE = "hardware"
    FIDO = "fido"
    UNKNOWN = "unknown"

    @classmethod
    def from_serial(cls, serial: str) -> DeviceKind:
        """Classify an MFA device from its serial, the only place IAM says what kind it is."""
        if ":u2f/" in serial:
            return cls.FIDO
        if ":mfa/" in serial:
            return cls.VIRTUAL
        if serial and not serial.startswith("arn:"):
            # Hardware TOTP tokens are registered under the serial printed on the device (GAHT...).
            return cls.HARDWARE
        return cls.UNKNOWN


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return ["critical", "high", "medium", "low", "info"].index(self.value)


@dataclass(frozen=True)
class Account:
    id: str
    name: str = ""
    email: str = ""
    role_arn: str = ""  # the role mfaguard assumes to audit it; empty for the caller's own account

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(frozen=True)
class MfaDevice:
    serial: str
    kind: DeviceKind
    enabled_at: datetime | None = None


@dataclass(frozen=True)
class AccessKey:
    slot: int  # 1 or 2, as in the credential report
    active: bool
    last_rotated: datetime | None = None
    last_used: datetime | None = None


@dataclass(frozen=True)
class UserFacts:
    """What IAM says about one user, as collected; no judgement yet."""

    account_id: str
    name: str
    arn: str
    created: datetime | None = None
    path: str = "/"
    password_enabled: bool = False
    password_last_used: datetime | None = None
    password_last_changed: datetime | None = None
    mfa_active: bool = False
    access_keys: tuple[AccessKey, ...] = ()
    devices: tuple[MfaDevice, ...] | None = None  # None: device kinds were not collected
    groups: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    attached_policy_arns: tuple[str, ...] = ()
    inline_policy_names: tuple[str, ...] = ()

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)


@dataclass(frozen=True)
class RootFacts:
    account_id: str
    mfa_active: bool | None  # None: unknown (no root row, no summary)
    access_keys_active: bool | None
    password_last_used: datetime | None = None


@dataclass(frozen=True)
class AccountError:
    account_id: str
    stage: str  # assume_role, credential_report, authorization_details, devices, ...
    code: str  # AWS error code or exception class
    message: str


@dataclass(frozen=True)
class AccountFacts:
    """Everything collected from one account in one audit."""

    account: Account
    collected_at: datetime
    users: tuple[UserFacts, ...] = ()
    root: RootFacts | None = None
    summary: dict[str, int] = field(default_factory=dict)
    enforcing_groups: tuple[str, ...] = ()  # groups that carry a force-MFA policy
    admin_groups: tuple[str, ...] = ()  # groups that grant administrator access
    admin_policy_arns: tuple[str, ...] = ()  # managed policies found to grant administrator access
    enforced_users: tuple[str, ...] = ()  # users with a force-MFA policy of their own (not via a group)
    admin_users: tuple[str, ...] = ()  # users granted admin directly (policy or assumable admin role)
    report_generated_at: datetime | None = None
    api_calls: int = 0
    errors: tuple[AccountError, ...] = ()

    @property
    def failed(self) -> bool:
        # An account whose credential report could not be read has no usable user list.
        return any(e.stage in ("assume_role", "credential_report", "discover") for e in self.errors)


@dataclass(frozen=True)
class UserStatus:
    """The evaluated state of one IAM user; the unit every report and the rollout work on."""

    account_id: str
    account_name: str
    name: str
    arn: str
    team: str
    console: bool
    active_keys: int
    mfa: bool
    device_kinds: tuple[str, ...]
    device_count: int | None
    enforced: bool
    admin: bool
    last_activity: datetime | None
    created: datetime | None
    groups: tuple[str, ...] = ()
    email: str = ""
    person: str = ""

    @property
    def in_scope(self) -> bool:
        """Users who can sign in or call AWS count towards adoption."""
        return self.console or self.active_keys > 0


@dataclass(frozen=True)
class Finding:
    id: str  # stable id such as MFA001, documented in docs/findings.md
    slug: str
    severity: Severity
    account_id: str
    principal: str  # user name, "<root_account>" or "" for account-level findings
    message: str


@dataclass(frozen=True)
class Adoption:
    scope: str  # org | account | team
    key: str  # account id, team name or "org"
    label: str
    users: int  # all users
    in_scope: int  # console or active keys
    with_mfa: int  # in scope and MFA active
    enforced: int
    console_without_mfa: int
    keys_without_mfa: int

    @property
    def pct(self) -> float:
        # An account nobody can sign in to has nothing left to adopt.
        return 100.0 if self.in_scope == 0 else round(100.0 * self.with_mfa / self.in_scope, 2)


@dataclass(frozen=True)
class Snapshot:
    """One audit of the organization at one time."""

    id: str
    taken_at: datetime
    accounts: tuple[Account, ...]
    users: tuple[UserStatus, ...]
    findings: tuple[Finding, ...]
    adoption: tuple[Adoption, ...]
    errors: tuple[AccountError, ...] = ()
    duration_s: float = 0.0
    api_calls: int = 0
    tool_version: str = ""
    schema_version: int = SCHEMA_VERSION
    shard: str = ""  # "i/N" when this snapshot is one shard of a sharded audit

    def adoption_for(self, scope: str) -> list[Adoption]:
        return [a for a in self.adoption if a.scope == scope]

    @property
    def org(self) -> Adoption:
        return next(a for a in self.adoption if a.scope == "org")

    @property
    def failed_accounts(self) -> set[str]:
        return {e.account_id for e in self.errors if e.stage in ("assume_role", "credential_report", "discover")}

    def to_dict(self) -> dict[str, Any]:
        data = _to_jsonable(asdict(self))
        for entry, adoption in zip(data["adoption"], self.adoption, strict=True):
            entry["pct"] = adoption.pct
        data["org_pct"] = self.org.pct if self.adoption else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        return Snapshot(
            id=data["id"],
            taken_at=_dt(data["taken_at"]),
            accounts=tuple(_build(Account, a) for a in data["accounts"]),
            users=tuple(_build(UserStatus, u) for u in data["users"]),
            findings=tuple(_build(Finding, f) for f in data["findings"]),
            adoption=tuple(_build(Adoption, a) for a in data["adoption"]),
            errors=tuple(_build(AccountError, e) for e in data.get("errors", ())),
            duration_s=data.get("duration_s", 0.0),
            api_calls=data.get("api_calls", 0),
            tool_version=data.get("tool_version", ""),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
            shard=data.get("shard", ""),
        )


T = TypeVar("T")


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _build(cls: type[T], data: dict[str, Any]) -> T:
    kwargs: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        value = data[f.name]
        ftype = str(f.type)
        if "datetime" in ftype:
            value = _dt(value)
        elif ftype.startswith("tuple") and value is not None:
            value = tuple(value)
        elif ftype == "Severity":
            value = Severity(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_jsonable(v) for v in value]
    return value
