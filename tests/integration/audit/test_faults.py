"""Faults, injected as real AWS error responses by a loopback proxy in front of moto."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from mfaguard.audit import run_audit
from tests.support.awsorg import Org, make_user
from tests.support.faultproxy import FaultProxy, Reply, aws_error, fail_first

pytestmark = pytest.mark.integration


def _role_of(account_id: str):  # type: ignore[no-untyped-def]
    return lambda req: account_id in req.params.get("RoleArn", "")


def test_denied_account_is_reported_and_the_rest_is_audited(org: Org, proxy: FaultProxy) -> None:
    ok = org.add_member("ok")
    denied = org.add_member("denied")
    make_user(org.iam(ok), "alice", console=True, mfa=True)
    proxy.rules.append(fail_first("AssumeRole", 100, aws_error(
        "AccessDenied", "User is not authorized to perform: sts:AssumeRole", 403), when=_role_of(denied)))

    snapshot = run_audit(org.config(endpoint=proxy.url)).snapshot

    assert snapshot.failed_accounts == {denied}
    (error,) = snapshot.errors
    assert (error.stage, error.code) == ("assume_role", "AccessDenied")
    assert "sts:AssumeRole" in error.message
    assert [u.name for u in snapshot.users] == ["alice"]
    # A failed account has no adoption row (it would read as 100% of nothing).
    assert {a.key for a in snapshot.adoption_for("account")} == {org.management, ok}


def test_throttling_is_retried_by_botocore(org: Org, proxy: FaultProxy) -> None:
    dev = org.add_member("dev")
    make_user(org.iam(dev), "bob", console=True)
    proxy.rules.append(fail_first("GetAccountAuthorizationDetails", 3, aws_error("Throttling", "Rate exceeded")))
    proxy.rules.append(fail_first("GetAccountSummary", 2, aws_error("ThrottlingException", "Rate exceeded")))

    result = run_audit(org.config(endpoint=proxy.url))

    assert not result.snapshot.errors
    assert [a for a, _ in proxy.answered].count("GetAccountAuthorizationDetails") == 3
    # Each throttled attempt was retried: 2 accounts' successful calls plus the 3 throttled ones.
    assert proxy.count("GetAccountAuthorizationDetails") == 2 + 3
    # The API call count includes the retries botocore made.
    assert result.snapshot.api_calls == len(proxy.seen)


def test_throttling_beyond_max_attempts_fails_only_that_stage(org: Org, proxy: FaultProxy) -> None:
    dev = org.add_member("dev")
    make_user(org.iam(dev), "carol", console=True)
    proxy.rules.append(fail_first("GetAccountSummary", 1000, aws_error("Throttling", "Rate exceeded")))

    cfg = org.config(endpoint=proxy.url)
    cfg = cfg.model_copy(update={"aws": cfg.aws.model_copy(update={"max_attempts": 2, "retry_mode": "standard"})})
    snapshot = run_audit(cfg).snapshot

    assert {(e.stage, e.code) for e in snapshot.errors} == {("account_summary", "Throttling")}
    assert not snapshot.failed_accounts  # users are still evaluated
    assert [u.name for u in snapshot.users] == ["carol"]


def test_report_in_progress_is_polled_until_complete(org: Org, proxy: FaultProxy) -> None:
    dev = org.add_member("dev")
    make_user(org.iam(dev), "dan", console=True)
    proxy.rules.append(fail_first("GetCredentialReport", 2, aws_error("ReportInProgress", "not ready", 404)))

    snapshot = run_audit(org.config(endpoint=proxy.url), only=[dev]).snapshot

    assert not snapshot.errors
    assert [u.name for u in snapshot.users] == ["dan"]
    assert proxy.count("GetCredentialReport") >= 3


def test_report_that_never_completes_times_out(org: Org, proxy: FaultProxy) -> None:
    dev = org.add_member("dev")
    proxy.rules.append(fail_first("GenerateCredentialReport", 10**6, aws_error("ReportInProgress", "busy", 404)))

    snapshot = run_audit(org.config(endpoint=proxy.url, report_timeout_s=1.0), only=[dev]).snapshot

    assert snapshot.failed_accounts == {dev}
    assert snapshot.errors[0].stage == "credential_report" and "not ready after" in snapshot.errors[0].message


def test_organizations_denied_is_a_clear_error(org: Org, proxy: FaultProxy) -> None:
    from mfaguard.errors import AwsAccessError

    proxy.rules.append(fail_first("ListAccounts", 100, aws_error("AccessDeniedException", "no", 400)))
    with pytest.raises(AwsAccessError, match="cannot list the organization's accounts"):
        run_audit(org.config(endpoint=proxy.url))


def _report_reply(content: str, generated: str) -> Reply:
    body = (
        '<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult>'
        f"<Content>{base64.b64encode(content.encode()).decode()}</Content><ReportFormat>text/csv</ReportFormat>"
        f"<GeneratedTime>{generated}</GeneratedTime></GetCredentialReportResult>"
        "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCredentialReportResponse>"
    )
    return Reply(200, body.encode())


def test_recent_report_is_reused_when_allowed(org: Org, proxy: FaultProxy) -> None:
    from tests.unit.test_credential_report import ALICE, ROOT, report

    recent = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    proxy.rules.append(lambda req: _report_reply(report(ROOT, ALICE), recent)
                       if req.action == "GetCredentialReport" else None)

    reused = run_audit(org.config(endpoint=proxy.url, reuse_report_minutes=30)).snapshot
    assert proxy.count("GenerateCredentialReport") == 0
    assert [u.name for u in reused.users] == ["alice"]
    # The real <root_account> row wins over the account summary: root has MFA here.
    assert not [f for f in reused.findings if f.id == "MFA003"]

    run_audit(org.config(endpoint=proxy.url, reuse_report_minutes=5))
    assert proxy.count("GenerateCredentialReport") >= 1  # 10 minutes old is too old for a 5 minute window


def test_external_id_is_sent_with_assume_role(org: Org, proxy: FaultProxy) -> None:
    from mfaguard.config import AccountEntry, AccountsConfig

    dev = org.add_member("dev")
    cfg = org.config(endpoint=proxy.url).model_copy(update={"accounts": AccountsConfig(
        source="config", role_name="OrganizationAccountAccessRole", external_id="default-ext",
        entries=[AccountEntry(id=dev, name="dev", external_id="dev-ext"), AccountEntry(id=org.management)])})
    snapshot = run_audit(cfg).snapshot
    assert not snapshot.errors and {a.id for a in snapshot.accounts} == {dev, org.management}
    assume = [r.params for r in proxy.seen if r.action == "AssumeRole"]
    # The management account is audited with the caller's own credentials: one AssumeRole, for dev.
    assert [(p["RoleArn"], p["ExternalId"]) for p in assume] == [
        (f"arn:aws:iam::{dev}:role/OrganizationAccountAccessRole", "dev-ext")]
