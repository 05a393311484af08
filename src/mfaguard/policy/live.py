"""Read a live account's policies (IAM GetAccountAuthorizationDetails): the only I/O of this package."""

from __future__ import annotations

from typing import Any

from mfaguard.errors import AwsAccessError
from mfaguard.policy.inventory import Inventory, from_authorization_details

__all__ = ["fetch_authorization_details", "live_inventory"]


def fetch_authorization_details(*, profile: str | None = None, endpoint_url: str | None = None) -> list[dict[str, Any]]:
    """Every page of GetAccountAuthorizationDetails (users, groups, roles, managed policies).
    boto3 also honours AWS_ENDPOINT_URL and the usual credential chain."""
    import boto3
    import botocore.config
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile)
        iam = session.client(
            "iam", endpoint_url=endpoint_url,
            config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 5}),
        )
        paginator = iam.get_paginator("get_account_authorization_details")
        return [
            {k: v for k, v in page.items() if k != "ResponseMetadata"}
            for page in paginator.paginate(Filter=["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"])
        ]
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise AwsAccessError(
            f"GetAccountAuthorizationDetails failed: {code}",
            hint="the credentials need iam:GetAccountAuthorizationDetails (e.g. the SecurityAudit policy)",
        ) from None
    except (botocore.exceptions.BotoCoreError, ValueError) as exc:
        raise AwsAccessError(f"cannot read the account's policies: {exc}",
                             hint="check AWS credentials, profile and region") from None


def live_inventory(*, profile: str | None = None, endpoint_url: str | None = None) -> Inventory:
    return from_authorization_details(
        fetch_authorization_details(profile=profile, endpoint_url=endpoint_url),
        source=f"live account{f' (profile {profile})' if profile else ''}",
    )
