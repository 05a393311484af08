"""Snapshots built from the model's dataclasses, with adoption computed the way the audit defines it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from mfaguard.audit.evaluate import adoption
from mfaguard.model import Account, AccountError, Adoption, Finding, Severity, Snapshot, UserStatus

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
ACCOUNTS = (Account("111111111111", "prod"), Account("222222222222", "staging"))


def user(account: Account, name: str, team: str, *, mfa: bool, console: bool = True, keys: int = 0,
         enforced: bool = False) -> UserStatus:
    return UserStatus(
        account_id=account.id,
        account_name=account.name,
        name=name,
        arn=f"arn:aws:iam::{account.id}:user/{name}",
        team=team,
        console=console,
        active_keys=keys,
        mfa=mfa,
        device_kinds=("virtual",) if mfa else (),
        device_count=1 if mfa else 0,
        enforced=enforced,
        admin=False,
        last_activity=T0 - timedelta(days=3),
        created=T0 - timedelta(days=400),
        groups=("developers", "mfa-enforced") if enforced else ("developers",),
        email=f"{name}@example.com",
        person=name.title(),
    )


def adoption_for(users: Sequence[UserStatus], accounts: Sequence[Account] = ACCOUNTS) -> tuple[Adoption, ...]:
    return tuple(adoption(accounts, users, failed=set()))


def snapshot(snapshot_id: str, taken_at: datetime = T0, *, with_mfa: int = 2, shard: str = "",
             errors: int = 0) -> Snapshot:
    """Two accounts, teams 'web' and 'data', 6 users of whom the first ``with_mfa`` have MFA."""
    prod, staging = ACCOUNTS
    people = [
        (prod, "alice", "web", {}),
        (prod, "bob", "web", {"keys": 1}),
        (prod, "carol", "data", {"console": False, "keys": 2}),
        (staging, "dave", "data", {}),
        (staging, "erin", "web", {}),
        (staging, "svc-batch", "data", {"console": False, "keys": 0}),  # out of scope
    ]
    users = tuple(
        user(acct, name, team, mfa=i < with_mfa, enforced=i < with_mfa - 1, **kw)
        for i, (acct, name, team, kw) in enumerate(people)
    )
    findings = tuple(
        Finding("MFA001", "console-user-without-mfa", Severity.HIGH, u.account_id, u.name, f"{u.name} has no MFA")
        for u in users
        if u.console and not u.mfa
    )
    errs = tuple(AccountError("333333333333", "assume_role", "AccessDenied", "not authorized") for _ in range(errors))
    return Snapshot(
        id=snapshot_id,
        taken_at=taken_at,
        accounts=ACCOUNTS,
        users=users,
        findings=findings,
        adoption=adoption_for(users),
        errors=errs,
        duration_s=1.5,
        api_calls=42,
        tool_version="0.1.0",
        shard=shard,
    )


def weekly(count: int, start: datetime = T0) -> list[Snapshot]:
    """``count`` snapshots a week apart with MFA adoption climbing by one user each week (capped)."""
    return [snapshot(f"snap-{i:03d}", start + timedelta(weeks=i), with_mfa=min(1 + i, 5)) for i in range(count)]
