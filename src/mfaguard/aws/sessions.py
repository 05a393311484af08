"""boto3 sessions: the caller's own (standard credential chain) and one per audited account.

Every client gets botocore's retry handling (adaptive by default), so throttling is retried with
backoff by botocore itself rather than by hand.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from mfaguard.config import AccountsConfig, AwsConfig
from mfaguard.errors import AwsAccessError
from mfaguard.model import Account

__all__ = ["ApiCounter", "AwsContext", "Credentials", "assume_account", "error_code"]


def error_code(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


@dataclass
class ApiCounter:
    """Counts API calls per account as botocore makes them (retries included)."""

    counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hook(self, key: str) -> Any:
        def _count(**_: Any) -> None:
            with self._lock:
                self.counts[key] = self.counts.get(key, 0) + 1

        return _count

    def total(self) -> int:
        return sum(self.counts.values())


class AwsContext:
    """The caller's session plus the settings every client shares."""

    def __init__(self, aws: AwsConfig, counter: ApiCounter | None = None) -> None:
        self.aws = aws
        self.counter = counter or ApiCounter()
        self._lock = threading.Lock()
        try:
            self.session = boto3.Session(profile_name=aws.profile, region_name=aws.region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsAccessError(str(exc), hint="check [aws] profile in mfaguard.toml or AWS_PROFILE") from None
        self.botocore_config = botocore.config.Config(
            retries={"mode": aws.retry_mode, "max_attempts": aws.max_attempts},
            connect_timeout=aws.connect_timeout,
            read_timeout=aws.read_timeout,
            max_pool_connections=32,
        )

    def client(self, service: str, credentials: Credentials | None = None, count_as: str = "") -> Any:
        """A client on the caller's session, or with an assumed role's ``credentials``.

        Clients share the caller's session so that service models load once, not once per account;
        boto3 sessions are not thread-safe, hence the lock around client creation.
        """
        kwargs: dict[str, Any] = {"config": self.botocore_config, "region_name": self.aws.region}
        if self.aws.endpoint_url:
            kwargs["endpoint_url"] = self.aws.endpoint_url
        if credentials is not None:
            kwargs.update(aws_access_key_id=credentials.access_key_id,
                          aws_secret_access_key=credentials.secret_access_key,
                          aws_session_token=credentials.session_token)
        with self._lock:
            client = self.session.client(service, **kwargs)
        # before-send fires once per HTTP attempt, so retries after throttling are counted too.
        client.meta.events.register("before-send", self.counter.hook(count_as or "caller"))
        return client

    def caller_account_id(self) -> str:
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError:
            raise AwsAccessError(
                "no AWS credentials found",
                hint="set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
            ) from None
        except botocore.exceptions.ClientError as exc:
            raise AwsAccessError(f"sts:GetCallerIdentity failed: {exc}") from None


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)

    def __repr__(self) -> str:  # never print a secret, even in a traceback
        return f"Credentials(access_key_id={self.access_key_id!r})"


def assume_account(
    ctx: AwsContext, account: Account, accounts: AccountsConfig, caller_account_id: str
) -> Credentials | None:
    """Credentials inside ``account``: None (the caller's own) for the caller's account, else an assumed role."""
    if account.id == caller_account_id and not account.role_arn:
        return None
    role_arn = account.role_arn or accounts.role_arn_for(account.id)
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": accounts.session_name}
    external_id = accounts.external_id_for(account.id)
    if external_id:
        params["ExternalId"] = external_id
    creds = ctx.client("sts", count_as=account.id).assume_role(**params)["Credentials"]
    return Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
