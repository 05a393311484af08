"""The plan JSON of mfa-enforcement is complete before anything exists: the policy verifier reads the
policy documents and which group gets which policy from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from mfaguard.sandbox.server import Emulator
from mfaguard.terraform import Terraform

pytestmark = [pytest.mark.terraform, pytest.mark.integration]

ROOT = """
module "mfa" {
  source = "../../modules/mfa-enforcement"

  enforce_mfa = true
  teams = {
    payments = { role_policies = ["ReadOnlyAccess"], deny_db_deletion = true, enforce_mfa = false }
  }
}
"""


def _resources(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {r["address"]: r for r in module.get("resources", [])}
    for child in module.get("child_modules", []):
        found |= _resources(child)
    return found


def test_plan_json_holds_rendered_policies_and_attachments(deploy: Callable[..., Terraform], tf_tree: Path) -> None:
    root = tf_tree / "roots" / "enforcement"
    root.mkdir(parents=True)
    (root / "main.tf").write_text(ROOT)
    tf = deploy("roots/enforcement")
    plan = tf.plan(out=root / "enforcement.tfplan")
    assert plan.changes is True
    data = tf.show_json(plan.plan_file)
    resources = _resources(data["planned_values"]["root_module"])

    force_mfa = json.loads(resources["module.mfa.aws_iam_policy.force_mfa"]["values"]["policy"])
    sids = [s["Sid"] for s in force_mfa["Statement"]]
    assert "DenyAllExceptListedIfNoMFA" in sids and "AllowCreateVirtualMFADevice" in sids
    self_service = json.loads(resources["module.mfa.aws_iam_policy.self_service"]["values"]["policy"])
    assert "DenyAllExceptListedIfNoMFA" not in [s["Sid"] for s in self_service["Statement"]]

    trust = json.loads(resources['module.mfa.aws_iam_role.this["team/payments"]']["values"]["assume_role_policy"])
    assert set(trust["Statement"][0]["Condition"]) == {"Bool", "NumericLessThan"}

    attachments = {
        key: resources[f'module.mfa.aws_iam_group_policy_attachment.mfa["{key}"]']["values"]
        for key in ("level/developer", "level/admin", "team/payments")
    }
    assert attachments["level/developer"] == {
        "group": "DeveloperMFAGroup",
        "policy_arn": "arn:aws:iam::123456789012:policy/ForceMFA",
    }
    assert attachments["team/payments"]["policy_arn"] == "arn:aws:iam::123456789012:policy/MFASelfService"
    guard = resources['module.mfa.aws_iam_role_policy_attachment.deny_db_deletion["team/payments"]']["values"]
    assert guard == {"role": "PaymentsTeamMFARole", "policy_arn": "arn:aws:iam::123456789012:policy/DenyDBDeletion"}
    assert {c["change"]["actions"][0] for c in data["resource_changes"]} == {"create"}


def test_switching_a_team_to_enforcement_changes_only_its_attachment(
    deploy: Callable[..., Terraform], tf_tree: Path, aws_moto: Emulator
) -> None:
    """The staged rollout's step: one team's enforcement on is a one-attachment diff, nothing else moves."""
    root = tf_tree / "roots" / "rollout"
    root.mkdir(parents=True)
    (root / "main.tf").write_text(ROOT)
    tf = deploy("roots/rollout")
    tf.apply()
    (root / "main.tf").write_text(ROOT.replace("enforce_mfa = false", "enforce_mfa = true"))
    plan = tf.plan(out=root / "rollout.tfplan")
    changes = {
        c["address"]: c["change"]["actions"]
        for c in tf.show_json(plan.plan_file)["resource_changes"]
        if c["change"]["actions"] != ["no-op"]
    }
    assert changes == {'module.mfa.aws_iam_group_policy_attachment.mfa["team/payments"]': ["create", "delete"]}
    tf.apply(plan.plan_file)
    iam = boto3.client("iam", **aws_moto.client_kwargs())
    attached = iam.list_attached_group_policies(GroupName="PaymentsTeamMFAGroup")["AttachedPolicies"]
    assert {p["PolicyName"] for p in attached} == {"ForceMFA", "DenyDBDeletion"}
