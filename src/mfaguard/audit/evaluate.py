"""Turn collected facts into a snapshot: per-user status, adoption, findings. Pure: no I/O, no clock."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from mfaguard.audit.findings import account_findings, user_findings
from mfaguard.config import AuditConfig
from mfaguard.model import (
    Account,
    AccountFacts,
    Adoption,
    Finding,
    Snapshot,
    UserFacts,
    UserStatus,
)

__all__ = ["adoption", "combine_snapshots", "evaluate", "new_snapshot_id", "user_status"]


def new_snapshot_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def _tag(tags: dict[str, str], name: str) -> str:
    lowered = {k.lower(): v for k, v in tags.items()}
    return lowered.get(name.lower(), "").strip()


def user_status(user: UserFacts, facts: AccountFacts, settings: AuditConfig) -> UserStatus:
    tags = user.tag_map
    used = [d for d in [user.password_last_used, *(k.last_used for k in user.access_keys)] if d is not None]
    kinds = tuple(sorted({d.kind.value for d in user.devices})) if user.devices is not None else ()
    return UserStatus(
        account_id=facts.account.id,
        account_name=facts.account.name,
        name=user.name,
        arn=user.arn,
        team=_tag(tags, settings.team_tag) or settings.default_team,
        console=user.password_enabled,
        active_keys=sum(1 for k in user.access_keys if k.active),
        mfa=user.mfa_active,
        device_kinds=kinds,
        device_count=len(user.devices) if user.devices is not None else None,
        enforced=user.name in facts.enforced_users or any(g in facts.enforcing_groups for g in user.groups),
        admin=user.name in facts.admin_users or any(g in facts.admin_groups for g in user.groups),
        last_activity=max(used) if used else None,
        created=user.created,
        groups=user.groups,
        email=_tag(tags, settings.email_tag),
        person=_tag(tags, settings.person_tag),
    )


def _adopt(scope: str, key: str, label: str, users: Sequence[UserStatus]) -> Adoption:
    scoped = [u for u in users if u.in_scope]
    return Adoption(
        scope=scope,
        key=key,
        label=label,
        users=len(users),
        in_scope=len(scoped),
        with_mfa=sum(1 for u in scoped if u.mfa),
        enforced=sum(1 for u in scoped if u.enforced),
        console_without_mfa=sum(1 for u in scoped if u.console and not u.mfa),
        keys_without_mfa=sum(1 for u in scoped if u.active_keys and not u.mfa),
    )


def adoption(accounts: Iterable[Account], users: Sequence[UserStatus], failed: set[str]) -> list[Adoption]:
    """Adoption for the org, each audited account, and each team (teams span accounts)."""
    by_account: dict[str, list[UserStatus]] = defaultdict(list)
    by_team: dict[str, list[UserStatus]] = defaultdict(list)
    for u in users:
        by_account[u.account_id].append(u)
        by_team[u.team].append(u)
    out = [_adopt("org", "org", "organization", users)]
    out += [
        _adopt("account", a.id, a.name or a.id, by_account.get(a.id, []))
        for a in sorted(accounts, key=lambda a: a.id)
        if a.id not in failed
    ]
    out += [_adopt("team", t, t, by_team[t]) for t in sorted(by_team)]
    return out


def evaluate(
    facts: Sequence[AccountFacts],
    settings: AuditConfig,
    now: datetime,
    *,
    snapshot_id: str | None = None,
    duration_s: float = 0.0,
    tool_version: str = "",
    shard: str = "",
) -> Snapshot:
    users: list[UserStatus] = []
    findings: list[Finding] = []
    for f in sorted(facts, key=lambda f: f.account.id):
        if f.failed:
            continue
        statuses = [user_status(u, f, settings) for u in sorted(f.users, key=lambda u: u.name)]
        users += statuses
        findings += account_findings(f, statuses)
        for s in statuses:
            findings += user_findings(s, now, settings.stale_days)
    failed = {f.account.id for f in facts if f.failed}
    return Snapshot(
        id=snapshot_id or new_snapshot_id(now),
        taken_at=now,
        accounts=tuple(sorted((f.account for f in facts), key=lambda a: a.id)),
        users=tuple(users),
        findings=tuple(sorted(findings, key=lambda x: (x.severity.rank, x.id, x.account_id, x.principal))),
        adoption=tuple(adoption([f.account for f in facts], users, failed)),
        errors=tuple(e for f in facts for e in f.errors),
        duration_s=round(duration_s, 3),
        api_calls=sum(f.api_calls for f in facts),
        tool_version=tool_version,
        shard=shard,
    )


def combine_snapshots(parts: Sequence[Snapshot], *, snapshot_id: str | None = None) -> Snapshot:
    """One org snapshot from the snapshots of a sharded audit (each shard audits distinct accounts)."""
    if not parts:
        raise ValueError("no shard snapshots to combine")
    accounts = {a.id: a for p in parts for a in p.accounts}
    users = sorted((u for p in parts for u in p.users), key=lambda u: (u.account_id, u.name))
    findings = sorted(
        (f for p in parts for f in p.findings), key=lambda x: (x.severity.rank, x.id, x.account_id, x.principal)
    )
    errors = tuple(e for p in parts for e in p.errors)
    failed = {e.account_id for e in errors if e.stage in ("assume_role", "credential_report", "discover")}
    taken = max(p.taken_at for p in parts)
    return Snapshot(
        id=snapshot_id or new_snapshot_id(taken),
        taken_at=taken,
        accounts=tuple(sorted(accounts.values(), key=lambda a: a.id)),
        users=tuple(users),
        findings=tuple(findings),
        adoption=tuple(adoption(accounts.values(), users, failed)),
        errors=errors,
        duration_s=max(p.duration_s for p in parts),
        api_calls=sum(p.api_calls for p in parts),
        tool_version=parts[0].tool_version,
    )
