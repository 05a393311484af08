"""Readiness of waves and people from a snapshot (pure)."""

from __future__ import annotations

from mfaguard.model import AccountError
from mfaguard.rollout.readiness import assess_waves
from mfaguard.rollout.status import wave_trends
from mfaguard.rollout.waves import parse_waves
from tests.rollout.factory import NOW, PROD, STAGING, all_ready, replace, roster, snapshot, status


def _assess(users, **kw):  # type: ignore[no-untyped-def]
    loaded = roster()
    waves = parse_waves(loaded)
    return {r.wave.name: r for r in assess_waves(loaded.roster, waves, snapshot(users, **kw))}


def test_everyone_with_mfa_makes_every_wave_ready_and_enforced_people_stay_enforced() -> None:
    result = _assess(all_ready())
    assert result["sre"].status == "ready"
    assert result["sre"].counts == {"ready": 1, "enforced": 1}
    assert result["pilot"].status == "ready" and result["pilot"].counts == {"ready": 3}
    # erin is exempt: her wave has nobody to enforce
    assert result["everyone"].status == "empty"
    assert result["everyone"].people[0].status == "exempt"


def test_a_console_user_without_mfa_blocks_the_person_and_the_wave() -> None:
    users = replace(all_ready(), STAGING, "alice", mfa=False)
    sre = _assess(users)["sre"]
    alice = sre.person("alice")
    assert sre.status == "blocked" and alice.status == "blocked"
    assert alice.reasons == ("staging/alice: no MFA device (console)",)
    assert [u.state for u in alice.users] == ["mfa", "no_mfa"]
    assert alice.access == "console" and not alice.mfa_complete


def test_cli_only_users_and_the_second_user_workaround() -> None:
    users = replace(all_ready(), PROD, "bob-cli", mfa=False)
    pilot = _assess(users)["pilot"]
    bob = pilot.person("bob")
    assert bob.reasons == ("prod/bob-cli: no MFA device (cli-only)",)
    assert bob.access == "console+cli" and bob.duplicate_accounts == ("prod",)
    assert "consolidate" in bob.suggestion and "8 MFA devices" in bob.suggestion
    assert pilot.person("carol").access == "cli-only" and pilot.person("carol").status == "ready"
    assert pilot.teams == {"data": {"ready": 1}, "web": {"blocked": 1, "ready": 1}}


def test_users_nobody_can_use_do_not_block() -> None:
    # bob-cli's only key was deactivated: enforcing that user locks nobody out.
    users = replace(all_ready(), PROD, "bob-cli", mfa=False, active_keys=0)
    bob = _assess(users)["pilot"].person("bob")
    assert bob.status == "ready" and [u.state for u in bob.users] == ["mfa", "inactive"]


def test_users_the_audit_did_not_see_block_with_the_reason() -> None:
    users = [u for u in all_ready() if u.name != "dave"]
    dave = _assess(users)["pilot"].person("dave")
    assert dave.reasons == ("staging/dave: IAM user not found in the latest audit",)

    failed = (AccountError(STAGING.id, "assume_role", "AccessDenied", "no"),)
    alice = _assess(all_ready(), errors=failed)["sre"].person("alice")
    assert alice.status == "blocked"
    assert alice.reasons == ("staging/alice: the audit of this account failed (assume_role: AccessDenied)",)

    only_prod = _assess(all_ready(), accounts=(PROD,))["sre"].person("alice")
    assert only_prod.reasons == ("staging/alice: account not in the latest audit",)


def test_user_names_match_case_insensitively_like_iam() -> None:
    users = [u for u in all_ready() if u.name != "carol"] + [status(PROD, "Carol", mfa=True, console=False, keys=1)]
    assert _assess(users)["pilot"].person("carol").status == "ready"


def test_without_a_snapshot_everyone_pending_is_blocked() -> None:
    loaded = roster()
    result = assess_waves(loaded.roster, parse_waves(loaded), None)
    assert result[0].person("alice").reasons == ("prod/alice: no audit snapshot", "staging/alice: no audit snapshot")
    assert result[0].person("sam").status == "enforced"


def test_trend_counts_members_with_mfa_in_each_snapshot_oldest_first() -> None:
    from datetime import timedelta

    loaded = roster()
    waves = parse_waves(loaded)
    early = replace(replace(all_ready(), PROD, "bob", mfa=False), STAGING, "dave", mfa=False)
    later = replace(all_ready(), PROD, "bob", mfa=False)
    snaps = [snapshot(all_ready(), sid="s3", taken_at=NOW), snapshot(early, sid="s1", taken_at=NOW - timedelta(days=2)),
             snapshot(later, sid="s2", taken_at=NOW - timedelta(days=1))]
    trends = {t.wave: t for t in wave_trends(loaded.roster, waves, snaps)}
    pilot = trends["pilot"].points
    assert [p.snapshot_id for p in pilot] == ["s1", "s2", "s3"]
    assert [(p.with_mfa, p.members) for p in pilot] == [(1, 3), (2, 3), (3, 3)]
    assert pilot[0].pct == 33.3
    assert [(p.with_mfa, p.members) for p in trends["everyone"].points] == [(0, 0)] * 3


def test_a_cli_user_holding_only_a_fido_key_blocks_because_the_cli_cannot_use_it() -> None:
    # AWS accepts security keys in the console only; STS (the CLI's MFA session) needs a TOTP code.
    users = replace(all_ready(), PROD, "carol", device_kinds=("fido",))
    carol = _assess(users)["pilot"].person("carol")
    assert carol.status == "blocked" and not carol.mfa_complete
    assert carol.reasons == ("prod/carol: only a FIDO security key, which the AWS CLI/API cannot use (cli-only)",)
    # A console-only user with a security key, or a CLI user with a TOTP device besides the key, is ready.
    users = replace(replace(all_ready(), STAGING, "dave", device_kinds=("fido",)), PROD, "carol",
                    device_kinds=("fido", "virtual"))
    pilot = _assess(users)["pilot"]
    assert pilot.person("dave").status == "ready" and pilot.person("carol").status == "ready"
