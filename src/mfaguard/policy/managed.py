"""AWS managed policies shipped as data, with their default version ids.

A Terraform plan only names AWS managed policies by ARN; their documents come from here. A live account
(GetAccountAuthorizationDetails) carries the documents itself and takes precedence.

Refresh the data with ``python -m mfaguard.policy.managed --refresh`` (reads the copy of AWS's managed
policies bundled with moto, the ``sandbox`` extra).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mfaguard.policy.document import Policy, parse_policy

__all__ = ["ManagedPolicyData", "aws_managed_policy", "shipped_managed_policies"]

_DATA = "aws_managed_policies.json"
SHIPPED = (
    "AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AmazonEC2ReadOnlyAccess", "ReadOnlyAccess",
    "ViewOnlyAccess", "IAMUserChangePassword", "IAMReadOnlyAccess", "SecurityAudit", "AmazonRDSFullAccess",
    "AmazonRDSReadOnlyAccess", "AmazonS3ReadOnlyAccess", "AmazonS3FullAccess", "DatabaseAdministrator",
    "AmazonEC2FullAccess", "Billing", "SystemAdministrator", "NetworkAdministrator",
    "IAMSelfManageServiceSpecificCredentials", "AWSSupportAccess",
)


@dataclass(frozen=True)
class ManagedPolicyData:
    arn: str
    name: str
    version: str
    updated: str
    policy: Policy


@lru_cache(maxsize=1)
def shipped_managed_policies() -> dict[str, ManagedPolicyData]:
    raw = json.loads(resources.files("mfaguard.policy").joinpath("data").joinpath(_DATA).read_text())
    out = {}
    for arn, p in raw["policies"].items():
        policy = parse_policy(p["document"], name=arn, source="mfaguard shipped AWS managed policy",
                              policy_version=p["version"])
        out[arn] = ManagedPolicyData(arn, p["name"], p["version"], p["updated"], policy)
    return out


def aws_managed_policy(arn: str) -> ManagedPolicyData | None:
    """The shipped copy of an AWS managed policy, by ARN (any partition)."""
    parts = arn.split(":", 5)
    if len(parts) == 6:
        arn = f"arn:aws:{parts[2]}::{parts[4]}:{parts[5]}"
    return shipped_managed_policies().get(arn)


def _refresh(path: Path) -> int:
    import moto
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data: dict[str, Any] = json.loads(aws_managed_policies_data)
    out = {}
    for name in SHIPPED:
        p = data[name]
        out[f"arn:aws:iam::aws:policy{p['Path']}{name}"] = {
            "name": name, "path": p["Path"], "version": p["DefaultVersionId"], "updated": p["UpdateDate"],
            "document": p["Document"],
        }
    doc = {
        "description": "AWS managed policies used by the mfa-enforcement module and common access levels: "
        "default version and document as published by AWS. Copied from the AWS managed policy data "
        f"bundled with moto {moto.__version__}; refresh with `python -m mfaguard.policy.managed --refresh` "
        "(needs the sandbox extra).",
        "policies": out,
    }
    path.write_text(json.dumps(doc, indent=1, sort_keys=True))
    return len(out)


if __name__ == "__main__":  # pragma: no cover - maintenance helper
    if sys.argv[1:] != ["--refresh"]:
        sys.exit("usage: python -m mfaguard.policy.managed --refresh")
    target = Path(__file__).parent / "data" / _DATA
    print(f"wrote {_refresh(target)} policies to {target}")
