"""`verify` on the shipped Terraform: the complete example's plan JSON (real Terraform, real AWS provider,
offline), then its state and the moto account's live policies after `terraform apply`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mfaguard.cli import main
from mfaguard.policy.catalog import Catalog
from mfaguard.policy.inventory import from_terraform_show
from mfaguard.policy.verification import evaluate_in, verify

pytestmark = [pytest.mark.terraform, pytest.mark.integration]

# The example rolls enforcement out in stages: the payments team's group only enrolls for now.
STAGED = "group/PaymentsTeamMFAGroup"
PROPERTIES = """
[[property]]
name = "developers cannot delete databases (deny_db_deletion)"
principal = "role/DeveloperMFARole"
action = "rds:DeleteDBInstance"
resource = "arn:aws:rds:us-east-1:123456789012:db:prod"
expect = "deny"

[[property]]
name = "admins can delete databases"
principal = "role/AdminMFARole"
action = "rds:DeleteDBInstance"
resource = "arn:aws:rds:us-east-1:123456789012:db:prod"
expect = "allow"

[[property]]
name = "payments team members can still change their first password"
principal = "group/PaymentsTeamMFAGroup"
action = "iam:ChangePassword"
resource = "arn:aws:iam::123456789012:user/mfaguard-probe"
context = "no-mfa"
expect = "allow"
"""


def verify_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    with pytest.raises(SystemExit) as exc:
        main(["verify", *args, "--format", "json", "--skip", f"access-keys-self-service-only:{STAGED}",
              "--skip", f"no-mfa-self-service-only:{STAGED}"])
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), json.loads(out), err


def test_complete_example_plan_state_and_live(complete_example: Any, pgp_public_key: str, moto: Any,
                                              catalog: Catalog, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    tf = complete_example
    props = tmp_path / "props.toml"
    props.write_text(PROPERTIES)
    plan = tf.plan(out=tf.workdir / "plan.tfplan", variables={"pgp_key": pgp_public_key})

    # -- the plan, before anything exists ------------------------------------------------------------------
    inv = from_terraform_show(tf.show_json(plan.plan_file), source="plan")
    assert set(inv.groups) == {"AdminMFAGroup", "DeveloperMFAGroup", "PaymentsTeamMFAGroup"}
    assert set(inv.roles) == {"AdminMFARole", "DeveloperMFARole", "PaymentsTeamMFARole"}
    assert inv.users["bob"].path == "/engineering/"
    assert set(inv.users["bob"].groups) == {"DeveloperMFAGroup", "PaymentsTeamMFAGroup"}
    skip = [f"access-keys-self-service-only:{STAGED}", f"no-mfa-self-service-only:{STAGED}"]
    report = verify(inv, catalog, skip=skip)
    assert report.passed, [c.to_dict() for c in report.failures]
    assert not [w for w in report.warnings if "unknown until apply" in w]
    guards = {c.subject for c in report.checks if c.id == "guard-deny-db-deletion"}
    assert guards == {"role/DeveloperMFARole", "group/DeveloperMFAGroup"}
    trust = [c for c in report.checks if c.id == "role-trust-requires-mfa"]
    assert len(trust) == 3 and all(c.passed for c in trust)
    _, d = evaluate_in(inv, "role/DeveloperMFARole", "rds:DeleteDBInstance", "*", {"aws:MultiFactorAuthPresent": True})
    assert d.outcome == "explicit-deny" and d.statements[0].sid == "DenyDatabaseDeletion"
    _, d = evaluate_in(inv, "role/DeveloperMFARole", "s3:GetObject", "arn:aws:s3:::b/k",
                       {"aws:MultiFactorAuthPresent": True})
    assert d.allowed
    _, d = evaluate_in(inv, "user/bob", "ec2:DescribeInstances", "*", {})
    assert d.outcome == "explicit-deny" and d.statements[0].sid == "DenyAllExceptListedIfNoMFA"

    # -- the state after apply, and the live account -------------------------------------------------------
    tf.apply(plan.plan_file)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(tf.show_json()))
    rc, state_report, err = verify_cli(capsys, "--terraform", str(state), "--properties", str(props))
    assert rc == 0, err
    assert not [w for w in state_report["warnings"] if "unknown until apply" in w]
    rc, live_report, err = verify_cli(capsys, "--live", "--endpoint-url", moto.url, "--properties", str(props))
    assert rc == 0, err
    for report_ in (state_report, live_report):
        dev = next(s for s in report_["subjects"] if s["subject"] == "group/DeveloperMFAGroup")
        assert set(dev["contexts"]["no-mfa"]["allowed"]) <= {
            "iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetAccountPasswordPolicy",
            "iam:GetMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ListVirtualMFADevices",
            "iam:ResyncMFADevice", "sts:GetSessionToken"}
        assert dev["contexts"]["no-mfa"]["allowed"] == dev["contexts"]["access-keys"]["allowed"]
        assert dev["assumable_roles"] == ["DeveloperMFARole"]
        assert {c["check"] for c in report_["checks"]} >= {"mfa-enrollment-possible", "own-user-only", "property"}
    # The staged team is reported as such when its checks are not skipped.
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--terraform", str(state)])
    _, err = capsys.readouterr()
    assert exc.value.code == 1
    assert f"violation: no-mfa-self-service-only {STAGED}" in err and "MFASelfService#AllowManageOwnAccessKeys" in err
