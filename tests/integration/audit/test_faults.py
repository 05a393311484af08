"""Faults, injected as real AWS error responses by a loopback proxy in front of moto."""

from __future__ import annotations

import pytest

from mfaguard.audit import run_audit
from tests.support.awsorg import Org, make_user
from tests.support.faultproxy import FaultProxy, aws_error, fail_first

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
