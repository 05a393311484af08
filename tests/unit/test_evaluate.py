"""Evaluation and findings over hand-built facts: every branch, no server."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from mfaguard.audit.evaluate import combine_snapshots, evaluate
from mfaguard.config import AuditConfig
from mfaguard.model import (
    AccessKey,
    Account,
    AccountError,
    AccountFacts,
    DeviceKind,
    MfaDevice,
    RootFacts,
    Snapshot,
    UserFacts,
)

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
SETTINGS = AuditConfig()


def user(name: str, *, console: bool = False, keys: tuple[bool, ...] = (), mfa: bool = False,
         groups: tuple[str, ...] = (), team: str | None = None, created_days: int = 10,
         used_days: int | None = 1, devices: tuple[MfaDevice, ...] | None = None) -> UserFacts:
    return UserFacts(
        account_id="111111111111", name=name, arn=f"arn:aws:iam::111111111111:user/{name}",
        created=NOW - timedelta(days=created_days), password_enabled=console,
        password_last_used=NOW - timedelta(days=used_days) if used_days is not None and console else None,
        mfa_active=mfa, access_keys=tuple(AccessKey(i + 1, a) for i, a in enumerate(keys)),
        groups=groups, tags=(("Team", team),) if team else (), devices=devices,
    )


def facts(*users: UserFacts, account: str = "111111111111", root: RootFacts | None = None,
          enforcing: tuple[str, ...] = ("Enforced",), admin_groups: tuple[str, ...] = ("Admins",),
          errors: tuple[AccountError, ...] = ()) -> AccountFacts:
    return AccountFacts(
        account=Account(account, "dev"), collected_at=NOW, users=tuple(replace(u, account_id=account) for u in users),
        root=root if root is not None else RootFacts(account, True, False), enforcing_groups=enforcing,
        admin_groups=admin_groups, errors=errors,
    )


def ids(snapshot: Snapshot) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in snapshot.findings:
        out.setdefault(f.id, set()).add(f.principal)
    return out


def test_each_user_finding_fires_exactly_when_it_should() -> None:
    snap = evaluate([facts(
        user("console-nomfa", console=True),
        user("keys-nomfa", keys=(True,)),
        user("inactive-key", keys=(False,)),
        user("mfa-unenforced", console=True, mfa=True),
        user("enforced-nomfa", console=True, groups=("Enforced",)),
        user("good", console=True, mfa=True, groups=("Enforced",)),
        user("admin", console=True, mfa=True, groups=("Admins", "Enforced")),
    )], SETTINGS, NOW)
    found = ids(snap)
    assert found["MFA001"] == {"console-nomfa", "enforced-nomfa"}
    assert found["MFA002"] == {"keys-nomfa"}
    assert found["MFA006"] == {"mfa-unenforced"}
    assert found["MFA007"] == {"enforced-nomfa"}
    assert "MFA005" not in found and "MFA008" not in found and "MFA003" not in found


def test_stale_credentials() -> None:
    snap = evaluate([facts(
        user("old-unused", console=True, created_days=200, used_days=None),
        user("old-used-recently", console=True, created_days=400, used_days=5),
        user("last-used-long-ago", console=True, created_days=400, used_days=120),
        user("new-unused", console=True, created_days=20, used_days=None),
        user("old-but-no-credentials", created_days=500, used_days=None),
    )], SETTINGS, NOW)
    stale = {f.principal: f.message for f in snap.findings if f.id == "MFA005"}
    assert set(stale) == {"old-unused", "last-used-long-ago"}
    assert "never used since created 200 days ago" in stale["old-unused"]
    assert "last used 120 days ago" in stale["last-used-long-ago"]
    assert not ids(evaluate([facts(user("x", console=True, created_days=200, used_days=None))],
                            AuditConfig(stale_days=365), NOW)).get("MFA005")


def test_root_findings() -> None:
    snap = evaluate([facts(root=RootFacts("111111111111", mfa_active=False, access_keys_active=True))], SETTINGS, NOW)
    assert ids(snap)["MFA003"] == {"<root_account>"} and ids(snap)["MFA004"] == {"<root_account>"}
    unknown = evaluate([facts(root=RootFacts("111111111111", None, None))], SETTINGS, NOW)
    assert "MFA003" not in ids(unknown) and "MFA004" not in ids(unknown)


def test_no_mfa_admin() -> None:
    without = evaluate([facts(user("root-ish", console=True, groups=("Admins",)))], SETTINGS, NOW)
    assert "1 admin(s), none with MFA" in next(f.message for f in without.findings if f.id == "MFA008")
    nobody = evaluate([facts(user("dev", console=True, mfa=True))], SETTINGS, NOW)
    assert "no admin user found" in next(f.message for f in nobody.findings if f.id == "MFA008")
    direct = replace(facts(user("boss", console=True, mfa=True)), admin_users=("boss",))
    assert "MFA008" not in ids(evaluate([direct], SETTINGS, NOW))


def test_adoption_per_account_team_and_org() -> None:
    a = facts(user("a1", console=True, mfa=True, team="web"), user("a2", console=True, team="web"),
              user("a3", keys=(False,), team="web"), account="111111111111")
    b = facts(user("b1", keys=(True,), mfa=True, team="Data"), user("b2", console=True), account="222222222222")
    snap = evaluate([a, b], SETTINGS, NOW)
    org = snap.org
    assert (org.users, org.in_scope, org.with_mfa, org.pct) == (5, 4, 2, 50.0)
    accounts = {x.key: x for x in snap.adoption_for("account")}
    assert accounts["111111111111"].pct == 50.0 and accounts["111111111111"].users == 3
    teams = {x.key: x for x in snap.adoption_for("team")}
    assert set(teams) == {"web", "Data", "unassigned"}
    assert teams["unassigned"].pct == 0.0 and teams["Data"].pct == 100.0
    assert accounts["222222222222"].keys_without_mfa == 0 and accounts["222222222222"].console_without_mfa == 1


def test_empty_scope_counts_as_full_adoption() -> None:
    snap = evaluate([facts(user("svc", keys=(False,)))], SETTINGS, NOW)
    assert snap.org.in_scope == 0 and snap.org.pct == 100.0


def test_device_kinds_and_team_tag_case() -> None:
    devices = (MfaDevice("arn:aws:iam::1:mfa/x", DeviceKind.VIRTUAL), MfaDevice("GAHT1", DeviceKind.HARDWARE),
               MfaDevice("arn:aws:iam::1:u2f/user/x/k", DeviceKind.FIDO))
    snap = evaluate([facts(user("x", console=True, mfa=True, devices=devices, team="Web"))], SETTINGS, NOW)
    (u,) = snap.users
    assert u.device_kinds == ("fido", "hardware", "virtual") and u.device_count == 3 and u.team == "Web"
    skipped = evaluate([facts(user("y", console=True, mfa=True))], SETTINGS, NOW).users[0]
    assert skipped.device_count is None and skipped.device_kinds == ()


def test_failed_account_is_kept_out_of_adoption_but_listed() -> None:
    bad = facts(account="333333333333", errors=(AccountError("333333333333", "assume_role", "AccessDenied", "no"),))
    snap = evaluate([facts(user("a", console=True, mfa=True)), bad], SETTINGS, NOW)
    assert snap.failed_accounts == {"333333333333"}
    assert {a.id for a in snap.accounts} == {"111111111111", "333333333333"}
    assert {a.key for a in snap.adoption_for("account")} == {"111111111111"}
    # A non-fatal error (device kinds) does not fail the account.
    soft = facts(user("b", console=True), errors=(AccountError("111111111111", "devices", "Throttling", "x"),))
    assert not evaluate([soft], SETTINGS, NOW).failed_accounts


def test_findings_are_sorted_by_severity() -> None:
    snap = evaluate([facts(user("s", console=True, created_days=300, used_days=None),
                           root=RootFacts("111111111111", False, False))], SETTINGS, NOW)
    ranks = [f.severity.rank for f in snap.findings]
    assert ranks == sorted(ranks) and snap.findings[0].id == "MFA003"


def test_combined_shards_equal_the_unsharded_snapshot() -> None:
    a = facts(user("a1", console=True, mfa=True, team="web"), account="111111111111")
    b = facts(user("b1", console=True, team="web"), user("b2", keys=(True,)), account="222222222222")
    whole = evaluate([a, b], SETTINGS, NOW)
    combined = combine_snapshots([evaluate([a], SETTINGS, NOW, shard="0/2"), evaluate([b], SETTINGS, NOW, shard="1/2")])
    assert combined.adoption == whole.adoption
    assert combined.users == whole.users
    assert sorted(combined.findings, key=str) == sorted(whole.findings, key=str)
    assert combined.shard == ""
    with pytest.raises(ValueError):
        combine_snapshots([])


def test_snapshot_json_round_trip() -> None:
    snap = evaluate([facts(user("a", console=True, mfa=True, team="web"), user("b", keys=(True,)))], SETTINGS, NOW)
    data = snap.to_dict()
    assert data["org_pct"] == 50.0 and data["adoption"][0]["pct"] == 50.0
    assert Snapshot.from_dict(data) == snap


def test_device_call_planning() -> None:
    from mfaguard.audit.collect import users_needing_device_calls

    v = MfaDevice("arn:aws:iam::1:mfa/x", DeviceKind.VIRTUAL)
    virtual = {"a": (v,), "b": (v, v)}
    summary = {"MFADevicesInUse": 3}
    # All devices in use are the three virtual ones: nobody needs a call.
    assert users_needing_device_calls(["a", "b"], virtual, 0, None, summary) == []
    # c has MFA and no virtual device: one non-virtual device, held by c.
    assert users_needing_device_calls(["a", "b", "c"], virtual, 0, None, {"MFADevicesInUse": 4}) == ["c"]
    # One more non-virtual device than c explains: ask everyone with MFA.
    assert users_needing_device_calls(["a", "b", "c"], virtual, 0, None, {"MFADevicesInUse": 5}) == ["a", "b", "c"]
    # Root's hardware device is counted in use too, and explained by the report's root row.
    root = RootFacts("1", mfa_active=True, access_keys_active=False)
    assert users_needing_device_calls(["a", "b", "c"], virtual, 0, root, {"MFADevicesInUse": 5}) == ["c"]
    # Root's virtual device is in the virtual list already.
    assert users_needing_device_calls(["a", "b"], virtual, 1, root, {"MFADevicesInUse": 4}) == []
    # No summary: no way to know, ask everyone.
    assert users_needing_device_calls(["a", "c"], virtual, 0, None, {}) == ["a", "c"]
