"""Collect one account's IAM facts. All AWS I/O of the audit is here.

Calls per account do not grow with the number of users, except ListMFADevices for users whose report
says MFA is active (switch off with ``device_kinds = false``): the credential report (1-3 calls), the
account summary (1), and GetAccountAuthorizationDetails (1 per 1,000 principals/policies).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import botocore.exceptions

from mfaguard.audit import enforcement
from mfaguard.audit.credential_report import parse_credential_report
from mfaguard.aws.sessions import AwsContext, assume_account, error_code
from mfaguard.config import AccountsConfig, AuditConfig
from mfaguard.model import (
    Account,
    AccountError,
    AccountFacts,
    DeviceKind,
    MfaDevice,
    RootFacts,
    UserFacts,
    utcnow,
)

__all__ = ["ReportTimeout", "collect_account", "fetch_credential_report"]

log = logging.getLogger(__name__)
_DEVICE_WORKERS = 4

class ReportTimeout(Exception):
    pass

def fetch_credential_report(
    iam: Any, settings: AuditConfig, sleep: Callable[[float], None] = time.sleep
) -> tuple[bytes, datetime | None]:
    """Generate (or reuse) and download the credential report, polling with backoff and a deadline."""
    if settings.reuse_report_minutes:
        try:
            got = iam.get_credential_report()
            age = utcnow() - got["GeneratedTime"]
            if age <= timedelta(minutes=settings.reuse_report_minutes):
                return got["Content"], got["GeneratedTime"]
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) not in ("ReportNotPresent", "ReportExpired", "ReportInProgress"):
                raise
    deadline = time.monotonic() + settings.report_timeout_s
    delay = 0.2
    while True:
        try:
            state = iam.generate_credential_report()["State"]
            if state == "COMPLETE":
                got = iam.get_credential_report()
                return got["Content"], got.get("GeneratedTime")
        except botocore.exceptions.ClientError as exc:
            # In progress: wait. Expired/not present (raced with expiry): generate again.
            if error_code(exc) not in ("ReportInProgress", "ReportExpired", "ReportNotPresent"):
                raise
        if time.monotonic() + delay > deadline:
            raise ReportTimeout(f"credential report not ready after {settings.report_timeout_s:.0f}s")
        sleep(delay)
        delay = min(delay * 2, 5.0)

def _authorization_details(iam: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"users": [], "groups": [], "roles": [], "policies": []}
    paginator = iam.get_paginator("get_account_authorization_details")
    pages = paginator.paginate(
        Filter=["User", "Group", "Role", "LocalManagedPolicy"], PaginationConfig={"PageSize": 1000}
    )
    for page in pages:
        out["users"] += page.get("UserDetailList", [])
        out["groups"] += page.get("GroupDetailList", [])
        out["roles"] += page.get("RoleDetailList", [])
        out["policies"] += page.get("Policies", [])
    return out

def _default_version(policy: dict[str, Any]) -> Any:
    for version in policy.get("PolicyVersionList", []):
        if version.get("IsDefaultVersion"):
            return version.get("Document")
    return None

class _Principals:
    """Which groups/users enforce MFA or grant admin, decided from the authorization details."""

    def __init__(self, details: dict[str, list[dict[str, Any]]], settings: AuditConfig) -> None:
        local_docs = {p["Arn"]: _default_version(p) for p in details["policies"]}
        self.force_mfa_arns = {a for a, d in local_docs.items() if enforcement.is_force_mfa_policy(d)}
        self.admin_arns = set(enforcement.ADMIN_MANAGED_POLICY_ARNS) | {
            a for a, d in local_docs.items() if enforcement.is_admin_policy(d)
        }
        admin_roles = [r["Arn"] for r in details["roles"] if self._grants_admin(r, "RolePolicyList")]

        def docs(entry: dict[str, Any], inline_key: str) -> list[Any]:
            inline = [p.get("PolicyDocument") for p in entry.get(inline_key, [])]
            attached = [local_docs.get(p["PolicyArn"]) for p in entry.get("AttachedManagedPolicies", [])]
            return inline + [d for d in attached if d is not None]

        def enforces(entry: dict[str, Any], inline_key: str) -> bool:
            if not settings.detect_enforcement:
                return False
            attached = {p["PolicyArn"] for p in entry.get("AttachedManagedPolicies", [])}
            return bool(attached & self.force_mfa_arns) or any(
                enforcement.is_force_mfa_policy(p.get("PolicyDocument")) for p in entry.get(inline_key, [])
            )

        def admin(entry: dict[str, Any], inline_key: str) -> bool:
            return self._grants_admin(entry, inline_key) or bool(
                enforcement.assumable_role_arns(docs(entry, inline_key), admin_roles)
            )

        self.enforcing_groups = sorted(
            g["GroupName"]
            for g in details["groups"]
            if enforces(g, "GroupPolicyList")
            or any(_glob(g["GroupName"], pat) for pat in settings.enforcement_groups)
        )
        self.admin_groups = sorted(
            g["GroupName"]
            for g in details["groups"]
            if admin(g, "GroupPolicyList") or any(_glob(g["GroupName"], pat) for pat in settings.admin_groups)
        )
        self.enforced_users = sorted(u["UserName"] for u in details["users"] if enforces(u, "UserPolicyList"))
        self.admin_users = sorted(u["UserName"] for u in details["users"] if admin(u, "UserPolicyList"))

    def _grants_admin(self, entry: dict[str, Any], inline_key: str) -> bool:
        attached = {p["PolicyArn"] for p in entry.get("AttachedManagedPolicies", [])}
        return bool(attached & self.admin_arns) or any(
            enforcement.is_admin_policy(p.get("PolicyDocument")) for p in entry.get(inline_key, [])
        )

def _glob(name: str, pattern: str) -> bool:
    return fnmatchcase(name.lower(), pattern.lower())

def _devices(iam: Any, user: str) -> tuple[MfaDevice, ...]:
    devices: list[MfaDevice] = []
    for page in iam.get_paginator("list_mfa_devices").paginate(UserName=user):
        for d in page.get("MFADevices", []):
            devices.append(
                MfaDevice(serial=d["SerialNumber"], kind=DeviceKind.from_serial(d["SerialNumber"]),
                          enabled_at=d.get("EnableDate"))
            )
    return tuple(devices)

def _assigned_virtual_devices(iam: Any) -> tuple[dict[str, tuple[MfaDevice, ...]], int]:
    """Every assigned virtual device of the account in one paginated call: user -> devices, and root's count."""
    by_user: dict[str, list[MfaDevice]] = {}
    root = 0
    for page in iam.get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned"):
        for d in page.get("VirtualMFADevices", []):
            user = d.get("User") or {}
            if str(user.get("Arn", "")).endswith(":root"):
                root += 1
                continue
            if user.get("UserName"):
                by_user.setdefault(user["UserName"], []).append(
                    MfaDevice(serial=d["SerialNumber"], kind=DeviceKind.VIRTUAL, enabled_at=d.get("EnableDate")))
    return {k: tuple(v) for k, v in by_user.items()}, root


def users_needing_device_calls(
    with_mfa: list[str],
    virtual: dict[str, tuple[MfaDevice, ...]],
    root_virtual: int,
    root: RootFacts | None,
    summary: dict[str, int],
) -> list[str]:
    """Users whose devices the virtual-device list cannot fully account for. Pure.

    Users with MFA but no virtual device hold hardware or FIDO devices: ask them (ListMFADevices). If the
    account summary counts more non-virtual devices in use than those users can explain, someone with a
    virtual device also has another kind: then ask everyone with MFA.
    """
    others = [u for u in with_mfa if u not in virtual]
    in_use = summary.get("MFADevicesInUse")
    if in_use is None:
        return list(with_mfa)
    non_virtual = in_use - root_virtual - sum(len(v) for v in virtual.values())
    root_non_virtual = 1 if root is not None and root.mfa_active and not root_virtual else 0
    if non_virtual - root_non_virtual == len(others):
        return others
    return list(with_mfa)


def collect_account(
    ctx: AwsContext,
    account: Account,
    settings: AuditConfig,
    accounts: AccountsConfig,
    caller_account_id: str,
) -> AccountFacts:
    """Everything the evaluation needs from one account. Failures are recorded, never raised."""
    started = utcnow()
    errors: list[AccountError] = []

    def fail(stage: str, exc: BaseException) -> AccountFacts:
        errors.append(AccountError(account.id, stage, error_code(exc), _message(exc)))
        return AccountFacts(account=account, collected_at=started, errors=tuple(errors),
                            api_calls=ctx.counter.counts.get(account.id, 0))

    try:
        credentials = assume_account(ctx, account, accounts, caller_account_id)
        iam = ctx.client("iam", credentials, count_as=account.id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        return fail("assume_role", exc)

    try:
        content, generated_at = fetch_credential_report(iam, settings)
        parsed = parse_credential_report(content, account.id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, ReportTimeout) as exc:
        return fail("credential_report", exc)

    summary: dict[str, int] = {}
    try:
        summary = dict(iam.get_account_summary()["SummaryMap"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        errors.append(AccountError(account.id, "account_summary", error_code(exc), _message(exc)))

    details: dict[str, list[dict[str, Any]]] = {"users": [], "groups": [], "roles": [], "policies": []}
    try:
        details = _authorization_details(iam)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        errors.append(AccountError(account.id, "authorization_details", error_code(exc), _message(exc)))
    principals = _Principals(details, settings)
    by_name = {u["UserName"]: u for u in details["users"]}

    devices: dict[str, tuple[MfaDevice, ...]] = {}
    if settings.device_kinds:
        with_mfa = [u.name for u in parsed.users if u.mfa_active]
        wanted = with_mfa
        try:
            virtual, root_virtual = _assigned_virtual_devices(iam)
            devices.update(virtual)
            wanted = users_needing_device_calls(with_mfa, virtual, root_virtual, parsed.root, summary)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            log.debug("ListVirtualMFADevices failed in %s (%s): asking each user", account.id, error_code(exc))
        failures: list[tuple[str, BaseException]] = []

        def one(name: str) -> None:
            try:
                devices[name] = _devices(iam, name)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                failures.append((name, exc))

        with ThreadPoolExecutor(max_workers=_DEVICE_WORKERS) as pool:
            list(pool.map(one, wanted))
        if failures:
            name, exc = failures[0]
            errors.append(AccountError(
                account.id, "devices", error_code(exc),
                f"ListMFADevices failed for {len(failures)} user(s), first {name}: {_message(exc)}",
            ))

    users = []
    for u in parsed.users:
        d = by_name.get(u.name, {})
        users.append(UserFacts(
            account_id=u.account_id, name=u.name, arn=u.arn, created=u.created, path=d.get("Path", u.path),
            password_enabled=u.password_enabled, password_last_used=u.password_last_used,
            password_last_changed=u.password_last_changed, mfa_active=u.mfa_active,
            access_keys=u.access_keys,
            devices=devices.get(u.name) if settings.device_kinds and u.mfa_active else (
                () if settings.device_kinds else None),
            groups=tuple(sorted(d.get("GroupList", []))),
            tags=tuple(sorted((t["Key"], t["Value"]) for t in d.get("Tags", []))),
            attached_policy_arns=tuple(sorted(p["PolicyArn"] for p in d.get("AttachedManagedPolicies", []))),
            inline_policy_names=tuple(sorted(p["PolicyName"] for p in d.get("UserPolicyList", []))),
        ))

    root = parsed.root
    if root is None and summary:
        # No <root_account> row (some emulators): fall back to the account summary.
        root = RootFacts(
            account_id=account.id,
            mfa_active=bool(summary.get("AccountMFAEnabled", 0)),
            access_keys_active=bool(summary.get("AccountAccessKeysPresent", 0)),
        )

    return AccountFacts(
        account=account,
        collected_at=started,
        users=tuple(users),
        root=root,
        summary=summary,
        enforcing_groups=tuple(principals.enforcing_groups),
        admin_groups=tuple(principals.admin_groups),
        admin_policy_arns=tuple(sorted(principals.admin_arns)),
        enforced_users=tuple(principals.enforced_users),
        admin_users=tuple(principals.admin_users),
        report_generated_at=generated_at if isinstance(generated_at, datetime) else None,
        api_calls=ctx.counter.counts.get(account.id, 0),
        errors=tuple(errors),
    )

def _message(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        return f"{exc.operation_name}: {err.get('Code', '')}: {err.get('Message', '')}".strip(": ")
    return str(exc) or type(exc).__name__

