"""Build GetAccountAuthorizationDetails responses shaped like the mfa-enforcement module's output,
with switches that break one property at a time."""

from __future__ import annotations

from typing import Any

ACCT = "123456789012"
OWN_USER = ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/*/${aws:username}"]
WITHOUT_MFA = ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
               "iam:GetAccountPasswordPolicy", "iam:GetMFADevice", "iam:GetUser", "iam:ListMFADevices",
               "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"]


def force_mfa(*, own_user: list[str] | None = None, deny_operator: str = "BoolIfExists",
              extra_not_action: tuple[str, ...] = ()) -> dict[str, Any]:
    own = own_user or OWN_USER
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
         "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"},
        {"Sid": "AllowManageOwnPasswords", "Effect": "Allow", "Action": ["iam:ChangePassword", "iam:GetUser"],
         "Resource": own},
        {"Sid": "AllowManageOwnAccessKeys", "Effect": "Allow",
         "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"], "Resource": own},
        {"Sid": "AllowCreateVirtualMFADevice", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
         "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": own},
        {"Sid": "AllowDeactivateOwnMFADeviceOnlyWithMFA", "Effect": "Allow", "Action": "iam:DeactivateMFADevice",
         "Resource": own, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny", "NotAction": [*WITHOUT_MFA, *extra_not_action],
         "Resource": "*", "Condition": {deny_operator: {"aws:MultiFactorAuthPresent": "false"}}},
    ]}


def trust(condition: dict[str, Any] | None = None, principal: Any = None) -> dict[str, Any]:
    cond = {"Bool": {"aws:MultiFactorAuthPresent": "true"}} if condition is None else condition
    stmt: dict[str, Any] = {"Sid": "AssumeRoleOnlyWithMFA", "Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": principal or {"AWS": f"arn:aws:iam::{ACCT}:root"}}
    if cond:
        stmt["Condition"] = cond
    return {"Version": "2012-10-17", "Statement": [stmt]}


DENY_DB = {"Version": "2012-10-17", "Statement": [{"Sid": "DenyDatabaseDeletion", "Effect": "Deny",
                                                   "Action": ["rds:DeleteDBInstance", "rds:DeleteDBCluster"],
                                                   "Resource": "*"}]}


def details(*, force: dict[str, Any] | None = None, trust_doc: dict[str, Any] | None = None,
            group_assume_condition: dict[str, Any] | None = None, deny_db: bool = True,
            users: tuple[tuple[str, str], ...] = (("alice", "/"), ("bob", "/engineering/"))) -> dict[str, Any]:
    force_arn = f"arn:aws:iam::{ACCT}:policy/ForceMFA"
    deny_arn = f"arn:aws:iam::{ACCT}:policy/DenyDBDeletion"
    role_arn = f"arn:aws:iam::{ACCT}:role/DeveloperMFARole"
    assume_cond = {"Bool": {"aws:MultiFactorAuthPresent": "true"}} if group_assume_condition is None \
        else group_assume_condition
    assume = {"Sid": "AssumeOwnRoleOnlyWithMFA", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}
    if assume_cond:
        assume["Condition"] = assume_cond
    group_attached = [{"PolicyName": "ForceMFA", "PolicyArn": force_arn},
                      {"PolicyName": "AmazonEC2ReadOnlyAccess",
                       "PolicyArn": "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"}]
    role_attached = [{"PolicyName": "PowerUserAccess", "PolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}]
    if deny_db:
        role_attached.append({"PolicyName": "DenyDBDeletion", "PolicyArn": deny_arn})
    return {
        "UserDetailList": [
            {"UserName": name, "Path": path, "Arn": f"arn:aws:iam::{ACCT}:user{path}{name}",
             "GroupList": ["DeveloperMFAGroup"], "AttachedManagedPolicies": [], "UserPolicyList": []}
            for name, path in users
        ],
        "GroupDetailList": [{
            "GroupName": "DeveloperMFAGroup", "Path": "/", "Arn": f"arn:aws:iam::{ACCT}:group/DeveloperMFAGroup",
            "GroupPolicyList": [{"PolicyName": "AssumeRoleWithMFA",
                                 "PolicyDocument": {"Version": "2012-10-17", "Statement": [assume]}}],
            "AttachedManagedPolicies": group_attached,
        }],
        "RoleDetailList": [{
            "RoleName": "DeveloperMFARole", "Path": "/", "Arn": role_arn,
            "AssumeRolePolicyDocument": trust_doc or trust(), "RolePolicyList": [],
            "AttachedManagedPolicies": role_attached, "Tags": [{"Key": "mfaguard:level", "Value": "developer"}],
        }],
        "Policies": [
            {"PolicyName": "ForceMFA", "Arn": force_arn, "DefaultVersionId": "v3", "PolicyVersionList": [
                {"VersionId": "v3", "IsDefaultVersion": True, "Document": force or force_mfa()},
                {"VersionId": "v2", "IsDefaultVersion": False, "Document": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]},
            {"PolicyName": "DenyDBDeletion", "Arn": deny_arn, "DefaultVersionId": "v1", "PolicyVersionList": [
                {"VersionId": "v1", "IsDefaultVersion": True, "Document": DENY_DB}]},
        ],
    }
