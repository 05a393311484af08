"""`verify --live` against a moto account whose policies were created with boto3 (AWS's documented
force-MFA policy). moto stores policies but evaluates no conditions: the verdicts here are mfaguard's."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from mfaguard.cli import main
from mfaguard.policy.catalog import Catalog
from mfaguard.policy.live import fetch_authorization_details, live_inventory
from mfaguard.policy.verification import verify
from mfaguard.sandbox.server import Emulator
from tests.policy import factory
from tests.policy.documented_cases import SELF_MANAGE_MFA

pytestmark = pytest.mark.integration


def build_account(url: str, force: dict[str, Any]) -> str:
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
    arn = iam.create_policy(PolicyName="ForceMFA", PolicyDocument=json.dumps(force))["Policy"]["Arn"]
    iam.create_group(GroupName="Developers")
    iam.attach_group_policy(GroupName="Developers", PolicyArn=arn)
    iam.put_group_policy(GroupName="Developers", PolicyName="ReadEC2", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}))
    for name, path in (("alice", "/"), ("bob", "/engineering/")):
        iam.create_user(UserName=name, Path=path)
        iam.add_user_to_group(GroupName="Developers", UserName=name)
    iam.create_role(RoleName="DeveloperMFARole", AssumeRolePolicyDocument=json.dumps(factory.trust()))
    iam.put_role_policy(RoleName="DeveloperMFARole", PolicyName="S3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    return arn


def test_live_account_with_module_policy(moto: Emulator, catalog: Catalog) -> None:
    build_account(moto.url, factory.force_mfa())
    pages = fetch_authorization_details(endpoint_url=moto.url)
    assert pages and "GroupDetailList" in pages[0]
    report = verify(live_inventory(endpoint_url=moto.url), catalog)
    assert report.passed, [c.to_dict() for c in report.failures]
    group = next(s for s in report.subjects if s.subject == "group/Developers")
    assert "ec2:DescribeInstances" in group.actions("mfa")
    assert "ec2:DescribeInstances" not in group.actions("access-keys")


def test_live_account_with_documented_policy_locks_out_users_with_paths(
        moto: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    # AWS's documented self-manage-MFA policy names "user/${aws:username}": no match for bob's /engineering/ path.
    build_account(moto.url, SELF_MANAGE_MFA)
    # That policy also lets users list every user without MFA: declared here as intended.
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--live", "--endpoint-url", moto.url, "--format", "json", "--self-service", "iam:ListUsers"])
    out, err = capsys.readouterr()
    assert exc.value.code == 1
    report = json.loads(out)
    assert report["source"] == "live account"
    failed = {c["check"]: c for c in report["checks"] if not c["passed"]}
    assert set(failed) == {"mfa-enrollment-possible"}, failed
    assert "IAM path /division/team/" in failed["mfa-enrollment-possible"]["message"]
    assert "violation: mfa-enrollment-possible group/Developers" in err


def test_live_access_denied_is_clear(moto: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--live", "--endpoint-url", "http://127.0.0.1:9", "--format", "json"])
    _, err = capsys.readouterr()
    assert exc.value.code == 1 and "cannot read the account's policies" in err
