"""Live IAM users as the importer needs them: groups, login profile, access keys, SSH keys, tags."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.exceptions

from mfaguard.errors import AwsAccessError

__all__ = ["LiveAccessKey", "LiveSshKey", "LiveUser", "read_live_users", "ssh_fingerprint"]


@dataclass(frozen=True)
class LiveAccessKey:
    id: str
    status: str  # Active | Inactive
    created: datetime | None = None


@dataclass(frozen=True)
class LiveSshKey:
    id: str
    body: str  # OpenSSH encoding, as AWS returns it
    status: str = "Active"


@dataclass(frozen=True)
class LiveUser:
    name: str
    path: str = "/"
    tags: tuple[tuple[str, str], ...] = ()
    groups: tuple[str, ...] = ()
    login_profile: bool = False
    access_keys: tuple[LiveAccessKey, ...] = ()
    ssh_keys: tuple[LiveSshKey, ...] = ()
    permissions_boundary: str | None = None  # policy ARN

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)


def ssh_fingerprint(body: str) -> str:
    """Key type and material, without the comment: how AWS and the roster's copy are compared."""
    return " ".join(body.split()[:2])


def _pages(iam: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in iam.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _one_user(iam: Any, entry: dict[str, Any], with_ssh: bool, hint: _ReportRow | None) -> LiveUser:
    name = entry["UserName"]
    # GetAccountAuthorizationDetails already gave groups and tags; the rest is per user. The credential
    # report says who has no password and no keys, so those calls are skipped; what it says exists is
    # checked, since the report may be hours old and an import of a deleted object would fail the plan.
    login = False
    if hint is None or hint.password:
        try:
            iam.get_login_profile(UserName=name)
            login = True
        except iam.exceptions.NoSuchEntityException:
            login = False
    keys: tuple[LiveAccessKey, ...] = ()
    if hint is None or hint.keys:
        keys = tuple(
            sorted(
                (
                    LiveAccessKey(k["AccessKeyId"], k["Status"], k.get("CreateDate"))
                    for k in _pages(iam, "list_access_keys", "AccessKeyMetadata", UserName=name)
                ),
                key=lambda k: (k.created is None, k.created or datetime.min, k.id),
            )
        )
    ssh: list[LiveSshKey] = []
    if with_ssh:
        for meta in _pages(iam, "list_ssh_public_keys", "SSHPublicKeys", UserName=name):
            body = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=meta["SSHPublicKeyId"], Encoding="SSH")
            ssh.append(LiveSshKey(meta["SSHPublicKeyId"], body["SSHPublicKey"]["SSHPublicKeyBody"].strip(),
                                  meta.get("Status", "Active")))
    return LiveUser(
        name=name,
        path=entry.get("Path", "/"),
        tags=tuple((t["Key"], t["Value"]) for t in entry.get("Tags", [])),
        groups=tuple(sorted(entry.get("GroupList", []))),
        login_profile=login,
        access_keys=keys,
        ssh_keys=tuple(sorted(ssh, key=lambda k: k.id)),
        permissions_boundary=(entry.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
    )


@dataclass(frozen=True)
class _ReportRow:
    password: bool
    keys: bool


def _report(iam: Any) -> dict[str, _ReportRow] | None:
    """Who has a password or keys, from the credential report; None when it cannot be had."""
    from mfaguard.audit.collect import ReportTimeout, fetch_credential_report
    from mfaguard.audit.credential_report import parse_credential_report
    from mfaguard.config import AuditConfig
    from mfaguard.errors import MfaguardError

    try:
        content, _ = fetch_credential_report(iam, AuditConfig(report_timeout_s=60))
        parsed = parse_credential_report(content, "")
    except (botocore.exceptions.ClientError, ReportTimeout, MfaguardError):
        return None
    return {u.name: _ReportRow(u.password_enabled, bool(u.access_keys)) for u in parsed.users}


def read_live_users(
    iam: Any, *, concurrency: int = 8, with_ssh: bool = True, use_report: bool = True
) -> list[LiveUser]:
    """Every IAM user of the account ``iam`` is a client for, sorted by name.

    One paged GetAccountAuthorizationDetails gives users, groups and tags; the credential report tells
    which users have a password or keys; the rest needs a few calls per user, made concurrently.
    """
    try:
        entries = list(
            _pages(iam, "get_account_authorization_details", "UserDetailList", Filter=["User"],
                   PaginationConfig={"PageSize": 1000})
        )
        report = _report(iam) if use_report else None
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            users = list(pool.map(
                lambda e: _one_user(iam, e, with_ssh, report.get(e["UserName"]) if report else None), entries
            ))
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise AwsAccessError(
            f"reading IAM users failed ({code}): {exc.response.get('Error', {}).get('Message', '')}",
            hint="the role needs iam:GetAccountAuthorizationDetails, GenerateCredentialReport, GetCredentialReport, "
            "GetLoginProfile, ListAccessKeys, "
            "ListSSHPublicKeys and GetSSHPublicKey",
        ) from None
    return sorted(users, key=lambda u: u.name)
