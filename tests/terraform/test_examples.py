"""Apply the examples against the moto server, then check with boto3 what exists."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from mfaguard.sandbox.server import Emulator
from mfaguard.terraform import Terraform
from tests.support.terraform import PgpKey

pytestmark = [pytest.mark.terraform, pytest.mark.integration]

MANAGED = "arn:aws:iam::aws:policy/"


def _iam(emulator: Emulator, **credentials: str) -> Any:
    kwargs = emulator.client_kwargs() | credentials
    return boto3.client("iam", **kwargs)


def _statements(document: Any) -> dict[str, dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    return {s["Sid"]: s for s in document["Statement"]}


def _conditions(statement: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Condition values as lists: providers render a single value as "x" or ["x"]."""
    return {op: {key: _as_list(v) for key, v in pairs.items()} for op, pairs in statement["Condition"].items()}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_document(iam: Any, arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    return json.loads(document) if isinstance(document, str) else document


def _attached(iam: Any, *, group: str | None = None, role: str | None = None) -> set[str]:
    if group:
        return {p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]}
    return {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]}


def test_complete_example(
    deploy: Callable[..., Terraform], aws_moto: Emulator, pgp_key: PgpKey, ssh_public_key: str
) -> None:
    tf = deploy("examples/complete")
    variables = {"pgp_key": pgp_key.public_b64, "ssh_public_keys": {"carol": [ssh_public_key]}}
    tf.apply(variables=variables)
    iam = _iam(aws_moto)
    account = "123456789012"
    policy_arn = f"arn:aws:iam::{account}:policy/ForceMFA"
    deny_db = f"arn:aws:iam::{account}:policy/DenyDBDeletion"

    # The force-MFA policy: self-service allowed, everything else denied without MFA.
    statements = _statements(_policy_document(iam, policy_arn))
    deny = statements["DenyAllExceptListedIfNoMFA"]
    assert deny["Effect"] == "Deny" and deny["Resource"] == "*" and "Action" not in deny
    assert _conditions(deny) == {"BoolIfExists": {"aws:MultiFactorAuthPresent": ["false"]}}
    not_actions = set(deny["NotAction"])
    assert {
        "iam:ChangePassword",
        "iam:GetAccountPasswordPolicy",
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:ListMFADevices",
        "iam:ResyncMFADevice",
        "iam:GetUser",
        "sts:GetSessionToken",
    } <= not_actions
    assert "iam:ListAccountAliases" in not_actions  # the example's extension
    assert "iam:DeactivateMFADevice" not in not_actions and "iam:CreateAccessKey" not in not_actions
    assert _as_list(statements["AllowCreateVirtualMFADevice"]["Resource"]) == ["arn:aws:iam::*:mfa/*"]
    own_user = {"arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/*/${aws:username}"}
    assert set(statements["AllowManageOwnUserMFA"]["Resource"]) == own_user  # users with a path too
    assert set(_as_list(statements["AllowManageOwnPasswords"]["Action"])) >= {"iam:ChangePassword", "iam:GetUser"}
    deactivate = statements["AllowDeactivateOwnMFADeviceOnlyWithMFA"]
    assert _as_list(deactivate["Action"]) == ["iam:DeactivateMFADevice"]
    assert _conditions(deactivate) == {"Bool": {"aws:MultiFactorAuthPresent": ["true"]}}

    # Roles: trust requires MFA and a recent MFA sign-in; session durations per level.
    roles = {
        name: iam.get_role(RoleName=name)["Role"]
        for name in ("DeveloperMFARole", "AdminMFARole", "PaymentsTeamMFARole")
    }
    assert roles["DeveloperMFARole"]["MaxSessionDuration"] == 14400
    assert roles["AdminMFARole"]["MaxSessionDuration"] == 3600
    for role in roles.values():
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        (statement,) = trust["Statement"]
        assert _as_list(statement["Action"]) == ["sts:AssumeRole"]
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
        assert _conditions(statement) == {
            "Bool": {"aws:MultiFactorAuthPresent": ["true"]},
            "NumericLessThan": {"aws:MultiFactorAuthAge": ["43200"]},
        }
    role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName="PaymentsTeamMFARole")["Tags"]}
    assert role_tags == {"managed-by": "terraform", "mfaguard:team": "payments"}
    assert _attached(iam, role="DeveloperMFARole") == {MANAGED + "PowerUserAccess", deny_db}
    assert _attached(iam, role="AdminMFARole") == {MANAGED + "AdministratorAccess"}
    assert _attached(iam, role="PaymentsTeamMFARole") == {MANAGED + "ReadOnlyAccess", deny_db}
    team_policy = iam.get_role_policy(RoleName="PaymentsTeamMFARole", PolicyName="TeamPolicy")["PolicyDocument"]
    assert _as_list(_statements(team_policy)["PaymentsBuckets"]["Resource"]) == ["arn:aws:s3:::payments-*/*"]
    assert set(_statements(_policy_document(iam, deny_db))["DenyDatabaseDeletion"]["Action"]) == {
        "rds:DeleteDBCluster",
        "rds:DeleteDBClusterAutomatedBackup",
        "rds:DeleteDBClusterSnapshot",
        "rds:DeleteDBInstance",
        "rds:DeleteDBInstanceAutomatedBackup",
        "rds:DeleteDBShardGroup",
        "rds:DeleteDBSnapshot",
        "rds:DeleteGlobalCluster",
        "rds:DeleteTenantDatabase",
    }

    # Groups: enforcement where asked, self-service only for the team still enrolling.
    self_service = f"arn:aws:iam::{account}:policy/MFASelfService"
    assert _attached(iam, group="DeveloperMFAGroup") == {policy_arn, MANAGED + "AmazonEC2ReadOnlyAccess", deny_db}
    assert _attached(iam, group="AdminMFAGroup") == {policy_arn}
    assert _attached(iam, group="PaymentsTeamMFAGroup") == {self_service, deny_db}
    assume = iam.get_group_policy(GroupName="DeveloperMFAGroup", PolicyName="AssumeRoleWithMFA")["PolicyDocument"]
    assume_statement = _statements(assume)["AssumeOwnRoleOnlyWithMFA"]
    assert assume_statement["Effect"] == "Allow" and _as_list(assume_statement["Action"]) == ["sts:AssumeRole"]
    assert _as_list(assume_statement["Resource"]) == [f"arn:aws:iam::{account}:role/DeveloperMFARole"]
    assert _conditions(assume_statement) == {"Bool": {"aws:MultiFactorAuthPresent": ["true"]}}

    # Users: paths, identity tags, memberships, secrets.
    bob = iam.get_user(UserName="bob")["User"]
    assert bob["Path"] == "/engineering/"
    assert {t["Key"]: t["Value"] for t in bob["Tags"]} == {
        "team": "payments",
        "email": "bob@example.com",
        "person": "Bob Roe",
    }
    groups = {
        u: {g["GroupName"] for g in iam.list_groups_for_user(UserName=u)["Groups"]} for u in ("alice", "bob", "carol")
    }
    assert groups == {
        "alice": {"AdminMFAGroup"},
        "bob": {"DeveloperMFAGroup", "PaymentsTeamMFAGroup"},
        "carol": {"DeveloperMFAGroup"},
    }
    iam.get_login_profile(UserName="alice")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName="carol")
    (key,) = iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]
    assert key["Status"] == "Active"
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []
    (ssh,) = iam.list_ssh_public_keys(UserName="carol")["SSHPublicKeys"]
    assert ssh["Status"] == "Active"

    outputs = tf.output()
    assert outputs["users"]["bob"]["access_key_id"] == key["AccessKeyId"]
    gpg_env = {**os.environ, "GNUPGHOME": str(pgp_key.home)}
    password = subprocess.run(
        outputs["users"]["alice"]["password_decrypt_cmd"],
        shell=True,
        env=gpg_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert len(password) == 24
    secret = subprocess.run(
        outputs["users"]["bob"]["secret_key_decrypt_cmd"],
        shell=True,
        env=gpg_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert len(secret) == 40
    # PGP means the state never holds the generated password or secret key in plain text.
    state = (tf.workdir / "terraform.tfstate").read_text()
    assert password not in state and secret not in state
    bob_key = next(
        r["instances"][0]["attributes"]
        for r in json.loads(state)["resources"]
        if r["type"] == "aws_iam_access_key" and r["module"] == 'module.users["bob"]'
    )
    assert bob_key["secret"] is None and bob_key["encrypted_secret"]
    assert (
        "[profile example-developer]\nrole_arn = arn:aws:iam::123456789012:role/DeveloperMFARole\n"
        in outputs["aws_config"]
    )
    assert "duration_seconds = 14400" in outputs["aws_config"]
    assert json.loads(outputs["policy_documents"]["force_mfa"]) == _policy_document(iam, policy_arn)

    # Memberships are non-exclusive: groups added outside Terraform, to an unmanaged group or to one the
    # module manages for other users, are neither planned away nor removed.
    iam.create_group(GroupName="OnCall")
    iam.add_user_to_group(UserName="carol", GroupName="OnCall")
    iam.add_user_to_group(UserName="alice", GroupName="DeveloperMFAGroup")

    # Converged: a second plan changes nothing.
    assert tf.plan(variables=variables).changes is False
    tf.apply(variables=variables)
    assert {g["GroupName"] for g in iam.list_groups_for_user(UserName="carol")["Groups"]} == {
        "DeveloperMFAGroup",
        "OnCall",
    }
    assert {g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]} == {
        "AdminMFAGroup",
        "DeveloperMFAGroup",
    }


def _create_accounts(emulator: Emulator, names: tuple[str, ...]) -> dict[str, str]:
    org = boto3.client("organizations", **emulator.client_kwargs())
    org.create_organization(FeatureSet="ALL")
    ids = {}
    for name in names:
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        assert status["State"] == "SUCCEEDED"
        ids[name] = status["AccountId"]
    return ids


def _iam_in(emulator: Emulator, account_id: str) -> Any:
    sts = boto3.client("sts", **emulator.client_kwargs())
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="test"
    )["Credentials"]
    return _iam(
        emulator,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_multi_account_example(deploy: Callable[..., Terraform], aws_moto: Emulator) -> None:
    accounts = _create_accounts(aws_moto, ("dev", "prod"))
    tf = deploy("examples/multi-account", aliases=(None, "dev", "prod"))
    variables = {"dev_account_id": accounts["dev"], "prod_account_id": accounts["prod"], "enforce_mfa": True}
    tf.apply(variables=variables)

    management, dev, prod = _iam(aws_moto), _iam_in(aws_moto, accounts["dev"]), _iam_in(aws_moto, accounts["prod"])
    roles = {
        name: {r["RoleName"] for r in client.list_roles()["Roles"] if "MFARole" in r["RoleName"]}
        for name, client in (("management", management), ("dev", dev), ("prod", prod))
    }
    # Each account holds its own stack, and only its own.
    assert roles == {
        "management": {"AdminMFARole-management"},
        "dev": {"DeveloperMFARole-dev", "AdminMFARole-dev"},
        "prod": {"DeveloperMFARole-prod", "AdminMFARole-prod"},
    }
    assert dev.get_role(RoleName="DeveloperMFARole-dev")["Role"]["MaxSessionDuration"] == 28800
    assert _attached(dev, role="DeveloperMFARole-dev") == {MANAGED + "PowerUserAccess", MANAGED + "IAMFullAccess"}
    prod_deny = f"arn:aws:iam::{accounts['prod']}:policy/DenyDBDeletion-prod"
    assert _attached(prod, role="AdminMFARole-prod") == {MANAGED + "AdministratorAccess", prod_deny}
    trust = prod.get_role(RoleName="DeveloperMFARole-prod")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{accounts['prod']}:root"}
    assert _conditions(trust["Statement"][0])["NumericLessThan"] == {"aws:MultiFactorAuthAge": ["3600"]}
    assert _attached(prod, group="DeveloperMFAGroup-prod") == {
        f"arn:aws:iam::{accounts['prod']}:policy/ForceMFA-prod",
        MANAGED + "AmazonEC2ReadOnlyAccess",
        prod_deny,
    }

    outputs = tf.output()
    assert outputs["policy_arns"]["dev"] == f"arn:aws:iam::{accounts['dev']}:policy/ForceMFA-dev"
    assert (
        f"[profile prod-admin]\nrole_arn = arn:aws:iam::{accounts['prod']}:role/AdminMFARole-prod"
        in outputs["aws_config"]
    )
    assert tf.plan(variables=variables).changes is False
