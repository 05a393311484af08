"""Every guard of `rollout advance`, and the Terraform membership changes a wave implies (pure)."""

from __future__ import annotations

from datetime import timedelta

from mfaguard.rollout.advance import membership_changes, plan_advance
from mfaguard.rollout.guards import admin_guard, check_advance, freshness_guard, unready_guard
from mfaguard.rollout.readiness import assess_waves
from mfaguard.rollout.waves import parse_waves
from tests.rollout.factory import NOW, PROD, STAGING, all_ready, replace, roster, snapshot

MAX_AGE = timedelta(hours=24)


def _setup(users):  # type: ignore[no-untyped-def]
    loaded = roster()
    snap = snapshot(users)
    readiness = {r.wave.name: r for r in assess_waves(loaded.roster, parse_waves(loaded), snap)}
    return loaded.roster, snap, readiness


# -- freshness ------------------------------------------------------------------------------------------


def test_freshness_refuses_a_missing_or_old_snapshot_and_accepts_a_recent_one() -> None:
    assert freshness_guard(snapshot(all_ready(), taken_at=NOW - timedelta(hours=23)), NOW, MAX_AGE) == []
    old = freshness_guard(snapshot(all_ready(), taken_at=NOW - timedelta(hours=30)), NOW, MAX_AGE)
    assert [r.code for r in old] == ["stale_snapshot"]
    assert "30.0 h old, more than the allowed 24 h" in old[0].message and not old[0].overridable
    missing = freshness_guard(None, NOW, MAX_AGE)
    assert [r.code for r in missing] == ["no_snapshot"]


# -- unready members ------------------------------------------------------------------------------------


def test_unready_lists_each_blocked_member_with_reasons_and_is_overridable() -> None:
    users = replace(replace(all_ready(), PROD, "bob", mfa=False), STAGING, "dave", mfa=False)
    _, _, readiness = _setup(users)
    refusals = unready_guard(readiness["pilot"])
    assert [(r.code, r.subject) for r in refusals] == [("unready", "dave"), ("unready", "bob")]
    assert refusals[1].message == "bob is not ready: prod/bob: no MFA device (console)"
    assert all(r.overridable for r in refusals)
    assert unready_guard(_setup(all_ready())[2]["pilot"]) == []


def test_allow_unready_moves_the_unready_refusals_to_overridden() -> None:
    roster_, snap, readiness = _setup(replace(all_ready(), PROD, "bob", mfa=False))
    refusals, overridden = check_advance(roster_, readiness["pilot"], snap, now=NOW, max_age=MAX_AGE,
                                         admin_levels=["admin"])
    assert [r.code for r in refusals] == ["unready"] and overridden == []
    refusals, overridden = check_advance(roster_, readiness["pilot"], snap, now=NOW, max_age=MAX_AGE,
                                         admin_levels=["admin"], allow_unready=True)
    assert refusals == [] and [r.subject for r in overridden] == ["bob"]


def test_allow_unready_does_not_override_the_other_guards() -> None:
    roster_, _, readiness = _setup(replace(all_ready(), PROD, "bob", mfa=False))
    old = snapshot(replace(all_ready(), PROD, "bob", mfa=False), taken_at=NOW - timedelta(days=3))
    refusals, _ = check_advance(roster_, readiness["pilot"], old, now=NOW, max_age=MAX_AGE, admin_levels=["admin"],
                                allow_unready=True)
    assert [r.code for r in refusals] == ["stale_snapshot"]


# -- an MFA-holding admin in every account ---------------------------------------------------------------


def test_admin_guard_passes_when_an_admin_with_mfa_remains() -> None:
    roster_, snap, _ = _setup(all_ready())
    assert admin_guard(roster_, snap, ["bob", "carol", "dave"], ["admin"]) == []


def test_admin_guard_refuses_an_account_whose_admins_all_lack_mfa() -> None:
    users = replace(all_ready(), STAGING, "alice", mfa=False)
    roster_, snap, _ = _setup(users)
    refusals = admin_guard(roster_, snap, ["dave"], ["admin"])
    assert [(r.code, r.subject) for r in refusals] == [("no_mfa_admin", "staging")]
    message = refusals[0].message
    assert "account staging (222222222222) would have no administrator holding MFA (admins: alice)" in message
    # prod is not touched by enforcing dave: it is not judged
    assert admin_guard(roster_, snap, ["bob"], ["admin"]) == []


def test_admin_guard_counts_people_at_an_admin_level_once_they_are_enforced() -> None:
    # The audit sees no admin in prod; alice is at the admin level (team sre) and holds MFA; sam, enforced at
    # that level, has lost his device.
    users = replace(replace(all_ready(), PROD, "alice", admin=False), STAGING, "alice", admin=False)
    users = replace(users, PROD, "sam", mfa=False)
    roster_, snap, _ = _setup(users)
    refusals = admin_guard(roster_, snap, ["bob"], ["admin"])
    assert [r.subject for r in refusals] == ["prod"] and "(admins: sam)" in refusals[0].message
    # Enforcing alice puts her in the admin level's group: prod then has an admin with MFA.
    assert admin_guard(roster_, snap, ["alice", "bob"], ["admin"]) == []
    # ... unless that level is not an admin level in this organization.
    assert [r.subject for r in admin_guard(roster_, snap, ["alice"], ["superuser"])] == ["prod", "staging"]


def test_admin_guard_refuses_when_the_only_admin_is_enforced_without_mfa() -> None:
    users = [u for u in replace(all_ready(), STAGING, "alice", mfa=False)]
    roster_, snap, readiness = _setup(users)
    refusals, overridden = check_advance(roster_, readiness["sre"], snap, now=NOW, max_age=MAX_AGE,
                                         admin_levels=["admin"], allow_unready=True)
    assert [r.subject for r in overridden] == ["alice"]
    assert [(r.code, r.subject) for r in refusals] == [("no_mfa_admin", "staging")]


# -- the plan ------------------------------------------------------------------------------------------


def test_plan_lists_people_and_exactly_the_membership_changes() -> None:
    roster_, snap, readiness = _setup(all_ready())
    waves = assess_waves(roster_, parse_waves(roster()), snap)
    plan = plan_advance(roster_, readiness["pilot"], snap, now=NOW, max_age=MAX_AGE, admin_levels=["admin"],
                        earlier=waves[:1])
    assert not plan.refused and plan.to_enforce == ("dave", "bob", "carol")
    changes = {(c.account, c.resource): (c.action, c.added, c.removed) for c in plan.changes}
    assert changes == {
        ("prod", "module.bob.aws_iam_user_group_membership.this[0]"): ("create", ("DeveloperMFAGroup",), ()),
        ("prod", "module.bob_cli.aws_iam_user_group_membership.this[0]"): ("create", ("DeveloperMFAGroup",), ()),
        ("prod", "module.carol.aws_iam_user_group_membership.this[0]"): ("create", ("DeveloperMFAGroup",), ()),
        # dave already has a group: the membership resource changes in place
        ("staging", "module.dave.aws_iam_user_group_membership.this[0]"): ("update", ("DeveloperMFAGroup",), ()),
    }
    assert plan.notes == ("earlier wave 'sre' is not fully enforced yet (ready)",)


def test_membership_changes_are_empty_for_an_unchanged_roster_and_admin_level_gets_its_group() -> None:
    roster_, snap, readiness = _setup(all_ready())
    assert membership_changes(roster_, roster_) == []
    plan = plan_advance(roster_, readiness["sre"], snap, now=NOW, max_age=MAX_AGE, admin_levels=["admin"])
    assert plan.to_enforce == ("alice",)  # sam is enforced already
    assert sorted((c.account, c.added) for c in plan.changes) == [("prod", ("AdminMFAGroup",)),
                                                                  ("staging", ("AdminMFAGroup",))]


def test_an_admin_whose_only_device_is_a_fido_key_without_console_cannot_help() -> None:
    # alice is staging's only admin; with keys but no console password, a security key is of no use to her.
    users = replace(all_ready(), STAGING, "alice", console=False, active_keys=1, device_kinds=("fido",))
    roster_, snap, _ = _setup(users)
    assert [r.subject for r in admin_guard(roster_, snap, ["dave"], ["admin"])] == ["staging"]
    # With the console she can use the key there.
    users = replace(all_ready(), STAGING, "alice", console=True, active_keys=1, device_kinds=("fido",))
    roster_, snap, _ = _setup(users)
    assert admin_guard(roster_, snap, ["dave"], ["admin"]) == []
