"""Loading policies from `terraform show -json` (plan and state) and from GetAccountAuthorizationDetails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mfaguard.errors import InputError
from mfaguard.policy.inventory import from_authorization_details, from_terraform_show
from tests.policy import factory

ACCT = "111122223333"
FORCE = json.dumps(factory.force_mfa())
DENY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyDatabaseDeletion", "Effect": "Deny", "Action": "rds:Delete*", "Resource": "*"}]})
TRUST = json.dumps(factory.trust(principal={"AWS": f"arn:aws:iam::{ACCT}:root"}))


def res(address: str, rtype: str, values: dict[str, Any], mode: str = "managed") -> dict[str, Any]:
    return {"address": address, "mode": mode, "type": rtype, "name": address.split(".")[-1].split("[")[0],
            "values": values}


def show(*, state: bool = False) -> dict[str, Any]:
    """A plan (or state) of a module call "mfa" holding one group, one role and a user."""
    m = "module.mfa"

    def arn(kind: str, name: str) -> dict[str, str]:
        return {"arn": f"arn:aws:iam::{ACCT}:{kind}/{name}"} if state else {}

    resources = [
        res(f"{m}.aws_iam_policy.force_mfa", "aws_iam_policy", {"name": "ForceMFA", "path": "/", "policy": FORCE,
                                                                 **arn("policy", "ForceMFA")}),
        res(f"{m}.aws_iam_policy.self_service", "aws_iam_policy", {"name": "SelfService", "path": "/",
                                                                    "policy": FORCE, **arn("policy", "SelfService")}),
        res(f"{m}.aws_iam_policy.deny[0]", "aws_iam_policy", {"name": "DenyDB", "path": "/mfa/", "policy": DENY,
                                                               **arn("policy", "mfa/DenyDB")}),
        res(f'{m}.aws_iam_group.this["dev"]', "aws_iam_group", {"name": "Dev", "path": "/", **arn("group", "Dev")}),
        res(f'{m}.aws_iam_group_policy_attachment.mfa["dev"]', "aws_iam_group_policy_attachment",
            {"group": "Dev", **({"policy_arn": f"arn:aws:iam::{ACCT}:policy/ForceMFA"} if state else {})}),
        res(f'{m}.aws_iam_group_policy_attachment.deny["dev"]', "aws_iam_group_policy_attachment",
            {"group": "Dev", **({"policy_arn": f"arn:aws:iam::{ACCT}:policy/mfa/DenyDB"} if state else {})}),
        res(f'{m}.aws_iam_group_policy_attachment.this["dev"]', "aws_iam_group_policy_attachment",
            {"group": "Dev", "policy_arn": "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"}),
        res(f'{m}.aws_iam_role.this["dev"]', "aws_iam_role",
            {"name": "DevRole", "path": "/", "assume_role_policy": TRUST,
             "tags": {"team": "dev", "mfaguard:level": "dev"}, **arn("role", "DevRole")}),
        res(f'{m}.aws_iam_role_policy.inline["dev"]', "aws_iam_role_policy",
            {"role": "DevRole", "name": "Inline", "policy": json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "rds:*"],
                                                         "Resource": "*"}]})}),
        res(f'{m}.aws_iam_role_policy_attachment.deny["dev"]', "aws_iam_role_policy_attachment",
            {"role": "DevRole", **({"policy_arn": f"arn:aws:iam::{ACCT}:policy/mfa/DenyDB"} if state else {})}),
    ]
    users = [res('module.users["bob"].aws_iam_user.this', "aws_iam_user", {"name": "bob", "path": "/eng/"}),
             res('module.users["bob"].aws_iam_user_group_membership.this', "aws_iam_user_group_membership",
                 {"user": "bob", "groups": ["Dev"]})]
    identity = res("data.aws_caller_identity.current", "aws_caller_identity", {"account_id": ACCT}, mode="data")
    root = {"child_modules": [{"address": m, "resources": resources},
                              {"address": 'module.users["bob"]', "resources": users}]}
    if state:
        root["resources"] = [identity]
        return {"format_version": "1.0", "values": {"root_module": root}}
    config = {"root_module": {"module_calls": {"mfa": {"source": "../modules/mfa-enforcement", "expressions": {
        "access_levels": {"constant_value": {"dev": {"deny_db_deletion": True, "role_policies": ["PowerUserAccess"]}}},
        "allowed_actions_without_mfa": {"constant_value": ["iam:ListAccountAliases"]},
        "teams": {"references": ["local.teams"]},
    }, "module": {"resources": [
        {"address": "aws_iam_group_policy_attachment.mfa", "expressions": {"policy_arn": {"references": [
            "each.value.enforce", "aws_iam_policy.force_mfa.arn", "aws_iam_policy.force_mfa",
            "aws_iam_policy.self_service.arn", "aws_iam_policy.self_service"]}}},
        {"address": "aws_iam_group_policy_attachment.deny", "expressions": {"policy_arn": {"references": [
            "aws_iam_policy.deny[0].arn", "aws_iam_policy.deny[0]", "aws_iam_policy.deny"]}}},
        {"address": "aws_iam_role_policy_attachment.deny", "expressions": {"policy_arn": {"references": [
            "aws_iam_policy.deny[0].arn", "aws_iam_policy.deny[0]", "aws_iam_policy.deny"]}}},
    ]}}}}}
    return {"format_version": "1.2", "planned_values": {"root_module": root},
            "prior_state": {"values": {"root_module": {"resources": [identity]}}}, "configuration": config}


def test_state() -> None:
    inv = from_terraform_show(show(state=True), source="state.json")
    assert inv.account == ACCT and not inv.warnings
    dev = inv.groups["Dev"]
    assert dev.attached == [f"arn:aws:iam::{ACCT}:policy/ForceMFA", f"arn:aws:iam::{ACCT}:policy/mfa/DenyDB",
                            "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"]
    assert dev.address == 'module.mfa.aws_iam_group.this["dev"]'
    role = inv.roles["DevRole"]
    assert role.trust is not None and role.trust.kind == "trust" and role.tags["team"] == "dev"
    assert [p.name for p in role.inline] == ["role/DevRole:Inline"]
    assert inv.users["bob"].groups == ["Dev"] and inv.users["bob"].path == "/eng/"
    pols = inv.identity_policies(inv.users["bob"])
    assert [p.name for p in pols][-1] == "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
    assert pols[-1].policy_version  # AWS managed documents come from the shipped data, with their version
    assert inv.managed[f"arn:aws:iam::{ACCT}:policy/ForceMFA"].source == 'module.mfa.aws_iam_policy.force_mfa'


def test_plan_follows_references_and_reports_ambiguity() -> None:
    inv = from_terraform_show(show(), source="plan.json")
    dev = inv.groups["Dev"]
    # deny[0]: unknown at plan time, one reference: its future ARN is computed from name and path.
    assert dev.attached == [f"arn:aws:iam::{ACCT}:policy/mfa/DenyDB", "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"]
    assert inv.roles["DevRole"].attached == [f"arn:aws:iam::{ACCT}:policy/mfa/DenyDB"]
    assert dev.arn == f"arn:aws:iam::{ACCT}:group/Dev"
    # mfa: a conditional between two policies cannot be resolved before apply, and says so.
    [warning] = inv.warnings
    assert 'aws_iam_group_policy_attachment.mfa["dev"]' in warning
    assert "ForceMFA" in warning and "SelfService" in warning and "ignored" in warning


def test_not_terraform_output() -> None:
    with pytest.raises(InputError, match="not the output of `terraform show -json`"):
        from_terraform_show({"resources": []}, source="x.json")


def test_bad_policy_in_terraform_names_address() -> None:
    data = show(state=True)
    data["values"]["root_module"]["child_modules"][0]["resources"][0]["values"]["policy"] = '{"Statement": [}'
    with pytest.raises(InputError, match=r"module\.mfa\.aws_iam_policy\.force_mfa:1: policy is not valid JSON"):
        from_terraform_show(data)


def test_authorization_details_pages_and_url_encoding() -> None:
    d = factory.details()
    pages = [{"UserDetailList": d["UserDetailList"], "Policies": d["Policies"]},
             {"GroupDetailList": d["GroupDetailList"], "RoleDetailList": d["RoleDetailList"]}]
    # The raw API returns policy documents URL-encoded.
    from urllib.parse import quote

    pages[1]["RoleDetailList"] = [{**r, "AssumeRolePolicyDocument": quote(json.dumps(r["AssumeRolePolicyDocument"]))}
                                  for r in pages[1]["RoleDetailList"]]
    inv = from_authorization_details(pages, source="details.json")
    assert inv.account == factory.ACCT
    assert inv.users["bob"].path == "/engineering/" and inv.users["bob"].groups == ["DeveloperMFAGroup"]
    assert inv.roles["DeveloperMFARole"].trust is not None
    assert inv.managed[f"arn:aws:iam::{factory.ACCT}:policy/ForceMFA"].policy_version == "v3"


def test_unknown_managed_policy_is_a_warning() -> None:
    d = factory.details()
    d["GroupDetailList"][0]["AttachedManagedPolicies"].append(
        {"PolicyName": "Mystery", "PolicyArn": "arn:aws:iam::aws:policy/MysteryAccess"})
    inv = from_authorization_details(d)
    inv.identity_policies(inv.users["alice"])
    assert any("MysteryAccess is attached but its document is unknown" in w for w in inv.warnings)


def test_plan_module_inputs_drive_guard_checks(catalog: Any) -> None:
    from mfaguard.policy.verification import verify

    inv = from_terraform_show(show(), source="plan.json")
    [mi] = inv.module_inputs
    assert mi.address == "module.mfa" and mi.dynamic == ["teams"]
    assert mi.constants["access_levels"]["dev"]["deny_db_deletion"] is True
    report = verify(inv, catalog)
    [guard] = [c for c in report.checks if c.id == "guard-deny-db-deletion"]
    assert guard.passed and guard.subject == "role/DevRole"
    assert any("input 'teams' is an expression" in w for w in report.warnings)
    # Without the guard's attachment the role's own policy lets it delete databases.
    data = show()
    resources = data["planned_values"]["root_module"]["child_modules"][0]["resources"]
    data["planned_values"]["root_module"]["child_modules"][0]["resources"] = [
        r for r in resources if "aws_iam_role_policy_attachment.deny" not in r["address"]]
    [guard] = [c for c in verify(from_terraform_show(data), catalog).checks if c.id == "guard-deny-db-deletion"]
    assert not guard.passed
    assert "access_levels.dev.deny_db_deletion is on, yet rds:" in guard.message
    assert [s.policy for s in guard.statements] == ["role/DevRole:Inline"]
