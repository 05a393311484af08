from __future__ import annotations

import json
import urllib.parse

import pytest

from mfaguard.audit.enforcement import assumable_role_arns, is_admin_policy, is_force_mfa_policy
from mfaguard.sandbox.org import FORCE_MFA_POLICY


def doc(*statements: dict) -> dict:  # type: ignore[type-arg]
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_aws_documented_force_mfa_policy_is_recognized() -> None:
    assert is_force_mfa_policy(FORCE_MFA_POLICY)
    assert is_force_mfa_policy(json.dumps(FORCE_MFA_POLICY))


@pytest.mark.parametrize(
    "condition",
    [
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"Bool": {"aws:multifactorauthpresent": ["false"]}},
        {"Null": {"aws:MultiFactorAuthPresent": "true"}},
    ],
)
def test_deny_variants(condition: dict) -> None:  # type: ignore[type-arg]
    not_action = {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Condition": condition}
    assert is_force_mfa_policy(doc(not_action))
    assert is_force_mfa_policy(doc({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}))


@pytest.mark.parametrize(
    "statement",
    [
        # An Allow with the same condition enforces nothing.
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        # Denying only one service is a guard, not enforcement.
        {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        # Denying when MFA *is* present is the opposite.
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
    ],
)
def test_not_force_mfa(statement: dict) -> None:  # type: ignore[type-arg]
    assert not is_force_mfa_policy(doc(statement))


def test_url_encoded_document_and_garbage() -> None:
    encoded = urllib.parse.quote(json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    assert is_admin_policy(encoded)
    assert not is_admin_policy("not json")
    assert not is_force_mfa_policy(None)


def test_admin_policy() -> None:
    assert is_admin_policy(doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    assert is_admin_policy(doc({"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}))
    assert not is_admin_policy(doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert not is_admin_policy(doc({"Effect": "Allow", "Action": "*", "Resource": "*",
                                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}))


def test_assumable_roles_by_resource_pattern() -> None:
    roles = ["arn:aws:iam::1:role/AdminMFARole", "arn:aws:iam::1:role/Other"]
    policy = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::1:role/Admin*"})
    assert assumable_role_arns([policy], roles) == {"arn:aws:iam::1:role/AdminMFARole"}
    wildcard = doc({"Effect": "Allow", "Action": ["sts:*"], "Resource": "*"})
    assert assumable_role_arns([wildcard], roles) == set(roles)
    denied = doc({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    assert assumable_role_arns([denied], roles) == set()
