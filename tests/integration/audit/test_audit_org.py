"""The audit against a real moto server over HTTP: an organization reached through assumed roles."""

from __future__ import annotations

import pytest

from mfaguard.audit import run_audit
from tests.support.awsorg import Org, admin_group, enforcement_group, make_user

pytestmark = pytest.mark.integration


def _by_id(snapshot, fid):  # type: ignore[no-untyped-def]
    return sorted((f.account_id, f.principal) for f in snapshot.findings if f.id == fid)


def test_every_user_finding_comes_from_real_iam_state(org: Org) -> None:
    dev = org.add_member("dev")
    iam = org.iam(dev)
    group = enforcement_group(iam)
    admins = admin_group(iam)
    make_user(iam, "console-nomfa", console=True, team="web")
    make_user(iam, "keys-nomfa", keys=1, team="data")
    make_user(iam, "mfa-not-enforced", console=True, mfa=True, team="web")
    make_user(iam, "enforced-nomfa", console=True, groups=(group,), team="web")
    make_user(iam, "good", console=True, keys=1, mfa=True, hardware=True, groups=(group,), team="data")
    make_user(iam, "inactive-key-only", inactive_keys=1)
    make_user(iam, "admin-nomfa", console=True, groups=(admins,), team="ops")

    snapshot = run_audit(org.config()).snapshot

    assert _by_id(snapshot, "MFA001") == [(dev, "admin-nomfa"), (dev, "console-nomfa"), (dev, "enforced-nomfa")]
    assert _by_id(snapshot, "MFA002") == [(dev, "keys-nomfa")]
    assert _by_id(snapshot, "MFA006") == [(dev, "mfa-not-enforced")]
    assert _by_id(snapshot, "MFA007") == [(dev, "enforced-nomfa")]
    # The emulator reports no root MFA anywhere (account summary), so every account has MFA003.
    assert {a for a, _ in _by_id(snapshot, "MFA003")} == {org.management, dev}
    # dev's only admin has no MFA; the management account has no admin user at all.
    assert (dev, "") in _by_id(snapshot, "MFA008")

    users = {u.name: u for u in snapshot.users}
    assert users["good"].device_kinds == ("hardware", "virtual") and users["good"].device_count == 2
    assert users["good"].enforced and users["good"].team == "data"
    assert not users["inactive-key-only"].in_scope and users["inactive-key-only"].team == "unassigned"
    assert users["admin-nomfa"].admin and not users["good"].admin

    account = next(a for a in snapshot.adoption_for("account") if a.key == dev)
    # In scope: everyone but inactive-key-only (6); with MFA: mfa-not-enforced and good.
    assert (account.users, account.in_scope, account.with_mfa, account.enforced) == (7, 6, 2, 2)
    assert account.pct == pytest.approx(33.33)
    teams = {a.key: a for a in snapshot.adoption_for("team")}
    assert teams["data"].with_mfa == 1 and teams["data"].in_scope == 2


def test_api_calls_do_not_grow_with_users_without_device_kinds(org: Org) -> None:
    dev = org.add_member("dev")
    iam = org.iam(dev)
    for i in range(5):
        make_user(iam, f"a{i}", console=True, mfa=True)
    # The first audit generates the report (STARTED, then COMPLETE); later ones find it ready.
    run_audit(org.config(device_kinds=False), only=[dev])
    small = run_audit(org.config(device_kinds=False), only=[dev]).facts[0].api_calls
    for i in range(60):
        make_user(iam, f"b{i}", console=True, mfa=i % 2 == 0)
    large = run_audit(org.config(device_kinds=False), only=[dev]).facts[0].api_calls
    assert large == small
    # Virtual devices only: one ListVirtualMFADevices call tells every device's kind.
    assert run_audit(org.config(), only=[dev]).facts[0].api_calls == small + 1
    # Hardware tokens on three users without a virtual device: exactly those three are asked.
    for name in ("b1", "b3", "b5"):
        iam.enable_mfa_device(UserName=name, SerialNumber=f"GAHT0000{name}", AuthenticationCode1="123456",
                              AuthenticationCode2="654321")
    result = run_audit(org.config(), only=[dev])
    assert result.facts[0].api_calls == small + 1 + 3
    kinds = {u.name: u.device_kinds for u in result.snapshot.users}
    assert kinds["b1"] == ("hardware",) and kinds["b0"] == ("virtual",)
    # A second device on a user who has a virtual one cannot be placed: everyone with MFA is asked.
    iam.enable_mfa_device(UserName="a0", SerialNumber="GAHT0000a0x", AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    result = run_audit(org.config(), only=[dev])
    assert result.facts[0].api_calls == small + 1 + 38
    assert {u.name: u.device_kinds for u in result.snapshot.users}["a0"] == ("hardware", "virtual")


def test_accounts_are_audited_concurrently(org: Org, proxy) -> None:  # type: ignore[no-untyped-def]
    for name in ("a", "b", "c", "d"):
        iam = org.iam(org.add_member(name))
        for i in range(30):
            make_user(iam, f"{name}{i}", console=True, mfa=True)
    snapshot = run_audit(org.config(endpoint=proxy.url, concurrency=4)).snapshot
    assert len(snapshot.accounts) == 5 and not snapshot.errors
    assert proxy.max_in_flight > 1


def test_include_exclude_and_only(org: Org) -> None:
    a = org.add_member("alpha")
    b = org.add_member("beta")
    cfg = org.config()
    cfg = cfg.model_copy(update={"accounts": cfg.accounts.model_copy(update={"exclude": ["bet*"]})})
    ids = {x.id for x in run_audit(cfg).snapshot.accounts}
    assert a in ids and b not in ids and org.management in ids
    assert {x.id for x in run_audit(org.config(), only=["beta"]).snapshot.accounts} == {b}
