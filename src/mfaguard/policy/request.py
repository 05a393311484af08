"""The request context: who asks, for what action on which resource, with which context keys.

Context keys are case-insensitive in IAM; they are stored lower-cased, each with a tuple of string values
(a single-valued key has one). Keys that follow from the principal (aws:username, aws:userid,
aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/...) are derived here unless
the caller sets them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

__all__ = ["MFA_CONTEXTS", "Principal", "Request", "mfa_context", "normalize_context"]

PrincipalKind = Literal["user", "role", "assumed-role", "root", "service", "federated", "anonymous"]

_ARN_RE = re.compile(r"^arn:(?P<partition>[^:]+):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<rest>.+)$")


@dataclass(frozen=True)
class Principal:
    arn: str
    kind: PrincipalKind
    account: str = ""
    name: str = ""  # user or role name; for a role session, the role's name
    path: str = "/"
    id: str = ""  # unique id (AIDA... for users, AROA... for roles)
    session: str = ""  # role session name
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_arn(cls, arn: str, *, id: str = "", tags: Mapping[str, str] | None = None) -> Principal:
        """Build from an IAM/STS ARN (user with path, role, assumed-role session, root) or a service
        principal such as ``ec2.amazonaws.com``."""
        tags = dict(tags or {})
        if arn.endswith(".amazonaws.com") and not arn.startswith("arn:"):
            return cls(arn=arn, kind="service", name=arn, tags=tags)
        m = _ARN_RE.match(arn)
        if not m:
            raise ValueError(f"not an IAM principal ARN: {arn!r}")
        account, rest, service = m["account"], m["rest"], m["service"]
        if rest == "root":
            return cls(arn=arn, kind="root", account=account, tags=tags)
        if service == "sts" and rest.startswith("assumed-role/"):
            _, role, session = rest.split("/", 2)
            return cls(arn=arn, kind="assumed-role", account=account, name=role, session=session, id=id,
                       tags=tags)
        if service == "iam" and rest.startswith(("user/", "role/")):
            kind, _, path_name = rest.partition("/")
            path, _, name = path_name.rpartition("/")
            return cls(arn=arn, kind=kind, account=account, name=name,  # type: ignore[arg-type]
                       path=f"/{path}/" if path else "/", id=id, tags=tags)
        raise ValueError(f"not an IAM principal ARN: {arn!r}")

    @property
    def role_arn(self) -> str:
        """For a role session, the role's ARN (a session ARN does not show the role's path: '/' unless
        the principal was built knowing it)."""
        if self.kind == "assumed-role":
            return f"arn:aws:iam::{self.account}:role{self.path}{self.name}"
        return self.arn if self.kind == "role" else ""

    def context(self) -> dict[str, tuple[str, ...]]:
        """The global condition keys that follow from who the principal is."""
        keys: dict[str, tuple[str, ...]] = {}
        if self.account:
            keys["aws:principalaccount"] = (self.account,)
        if self.kind == "user":
            keys["aws:username"] = (self.name,)
            keys["aws:userid"] = (self.id or f"AIDA{_fake_id(self.arn)}",)
            keys["aws:principaltype"] = ("User",)
            keys["aws:principalarn"] = (self.arn,)
        elif self.kind == "assumed-role":
            role_id = self.id or f"AROA{_fake_id(self.role_arn)}"
            keys["aws:userid"] = (f"{role_id}:{self.session}",)
            keys["aws:principaltype"] = ("AssumedRole",)
            keys["aws:principalarn"] = (self.role_arn,)
        elif self.kind == "role":
            keys["aws:principaltype"] = ("AssumedRole",)
            keys["aws:principalarn"] = (self.arn,)
        elif self.kind == "root":
            keys["aws:userid"] = (self.account,)
            keys["aws:principaltype"] = ("Account",)
            keys["aws:principalarn"] = (self.arn,)
        elif self.kind == "service":
            keys["aws:principalservicename"] = (self.name,)
        for k, v in self.tags.items():
            keys[f"aws:principaltag/{k.lower()}"] = (v,)
        return keys


def _fake_id(text: str) -> str:
    # A stable placeholder unique id when the real one is unknown (plans have none).
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:17].upper()


def normalize_context(context: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Lower-case keys; every value becomes a tuple of strings (bools as true/false, bytes as base-64,
    datetimes as ISO 8601). ``None`` removes the key (absent)."""
    out: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        if value is None:
            continue
        items = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
        out[key.lower()] = tuple(_text(v) for v in items)
    return out


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=timezone.utc)).isoformat()
    return str(v)


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str = "*"
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    action_lower: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action_lower", self.action.lower())

    @classmethod
    def build(cls, principal: Principal | str, action: str, resource: str = "*",
              context: Mapping[str, Any] | None = None) -> Request:
        p = Principal.from_arn(principal) if isinstance(principal, str) else principal
        merged = p.context()
        # AWS puts the time of the request in every request context; time-boxed policies
        # (DateLessThan aws:CurrentTime) would otherwise never match.
        now = datetime.now(timezone.utc).replace(microsecond=0)
        merged["aws:currenttime"] = (now.isoformat().replace("+00:00", "Z"),)
        merged["aws:epochtime"] = (str(int(now.timestamp())),)
        merged.update(normalize_context(context or {}))
        return cls(principal=p, action=action, resource=resource, context=merged)

    def lookup(self, key: str) -> Sequence[str] | None:
        return self.context.get(key.lower())


# The three ways a person reaches AWS, and what aws:MultiFactorAuthPresent says in each.
# Both sign-ins use temporary credentials, which carry aws:TokenIssueTime (here: a minute ago).
_ISSUED = (datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=60)).isoformat().replace("+00:00", "Z")
MFA_CONTEXTS: dict[str, dict[str, Any]] = {
    # Long-term access keys sign the request directly: the MFA keys (and aws:TokenIssueTime) are absent.
    "access-keys": {},
    # Console sign-in or a session token obtained without MFA: present and false.
    "no-mfa": {"aws:MultiFactorAuthPresent": False, "aws:TokenIssueTime": _ISSUED},
    # A session from GetSessionToken/AssumeRole with a TOTP code, or a console MFA sign-in.
    "mfa": {"aws:MultiFactorAuthPresent": True, "aws:MultiFactorAuthAge": 60, "aws:TokenIssueTime": _ISSUED},
}


def mfa_context(name: str) -> dict[str, Any]:
    try:
        return dict(MFA_CONTEXTS[name])
    except KeyError:
        raise ValueError(f"unknown MFA context {name!r}; use one of {', '.join(MFA_CONTEXTS)}") from None
