"""Snapshots built from the shared model's dataclasses, as the audit would produce them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mfaguard.model import Account, AccountError, Adoption, Finding, Severity, Snapshot, UserStatus

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)

ACCOUNTS = (
    Account("111111111111", "prod"),
    Account("222222222222", "Staging EU"),
    Account("333333333333", "sandbox"),
)


def user(account: Account, name: str, team: str, mfa: bool, enforced: bool = False, console: bool = True) -> UserStatus:
    return UserStatus(
        account_id=account.id, account_name=account.name, name=name,
        arn=f"arn:aws:iam::{account.id}:user/{name}", team=team, console=console, active_keys=0 if console else 1,
        mfa=mfa, device_kinds=("virtual",) if mfa else (), device_count=1 if mfa else 0, enforced=enforced,
        admin=False, last_activity=None, created=None,
    )


def adoption(scope: str, key: str, label: str, users: list[UserStatus]) -> Adoption:
    in_scope = [u for u in users if u.in_scope]
    return Adoption(
        scope=scope, key=key, label=label, users=len(users), in_scope=len(in_scope),
        with_mfa=sum(u.mfa for u in in_scope), enforced=sum(u.enforced for u in users),
        console_without_mfa=sum(u.console and not u.mfa for u in in_scope),
        keys_without_mfa=sum(u.active_keys > 0 and not u.mfa for u in in_scope),
    )


def make_snapshot(day: int = 0, adopted: int | None = None, *, shard: str = "", failed: bool = True) -> Snapshot:
    """An org of three accounts and two teams; ``adopted`` users (of 8) have MFA, growing with ``day``."""
    prod, staging, sandbox = ACCOUNTS
    people = [
        (prod, "alice", "Platform"), (prod, "bob", "Platform"), (prod, "carol", "Data Science"),
        (prod, "ci-deploy", "Platform"), (staging, "dave", "Data Science"), (staging, "erin", "Data Science"),
        (staging, "frank", "Platform"), (staging, "grace", "Data Science"),
    ]
    count = min(len(people), 3 + day) if adopted is None else adopted
    users = [
        user(acct, name, team, mfa=i < count, enforced=i < 2, console=name != "ci-deploy")
        for i, (acct, name, team) in enumerate(people)
    ]
    adoptions = [adoption("org", "org", "organization", users)]
    # As the audit does: an account that could not be read has no adoption (it has no user list).
    for acct in (prod, staging) if failed else (prod, staging, sandbox):
        adoptions.append(adoption("account", acct.id, acct.label, [u for u in users if u.account_id == acct.id]))
    for team in sorted({u.team for u in users}):
        adoptions.append(adoption("team", team, team, [u for u in users if u.team == team]))
    findings = [
        Finding(
            "MFA001", "console-user-without-mfa", Severity.HIGH, u.account_id, u.name,
            f"{u.name} can sign in to the console without MFA",
        )
        for u in users if u.console and not u.mfa
    ]
    findings.append(
        Finding("MFA003", "root-without-mfa", Severity.CRITICAL, prod.id, "<root_account>", "root has no MFA")
    )
    errors = (AccountError(sandbox.id, "assume_role", "AccessDenied", "not authorized"),) if failed else ()
    return Snapshot(
        id=f"snap-{day}", taken_at=T0 + timedelta(days=day), accounts=ACCOUNTS, users=tuple(users),
        findings=tuple(findings), adoption=tuple(adoptions), errors=errors, duration_s=12.5, api_calls=42,
        tool_version="0.1.0", shard=shard,
    )


def large_snapshot(accounts: int, day: int = 0) -> Snapshot:
    """A big organization for scale checks: adoption rows and findings, no user rows."""
    from mfaguard.audit.findings import CATALOG

    teams = max(5, accounts // 5)
    accts = tuple(Account(f"{100000000000 + i}", f"acct-{i}") for i in range(accounts))
    adoption = [Adoption("org", "org", "organization", accounts * 20, accounts * 18, accounts * 12, accounts * 6,
                         accounts * 4, accounts * 2)]
    for i, a in enumerate(accts):
        mfa = min(18, 6 + (i + day) % 13)
        adoption.append(Adoption("account", a.id, a.label, 20, 18, mfa, 6, 18 - mfa, 0))
    for t in range(teams):
        mfa = min(40, 10 + (t * 3 + day) % 31)
        adoption.append(Adoption("team", f"team-{t}", f"team-{t}", 40, 40, mfa, 10, 40 - mfa, 0))
    ids = list(CATALOG)
    findings = tuple(
        Finding(ids[(i + k) % len(ids)], "x", Severity.HIGH, a.id, f"user-{k}", "finding")
        for i, a in enumerate(accts) for k in range(3)
    )
    return Snapshot(f"bench-{accounts}-{day}", T0 + timedelta(days=day), accts, (), findings, tuple(adoption),
                    duration_s=10.0, api_calls=accounts * 6)
