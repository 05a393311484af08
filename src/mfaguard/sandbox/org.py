"""Seed the emulator with a realistic organization: a management account, members, teams, people.

Deterministic for a given seed. Everything goes through the AWS API over HTTP, except one thing the
API cannot do: back-dating users and key usage to make some of them stale, which is done on the
emulator's in-process state when it runs in this process (and skipped otherwise).
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

from mfaguard.sandbox.server import Emulator

__all__ = ["FORCE_MFA_POLICY", "SandboxOrg", "build_sandbox"]

log = logging.getLogger(__name__)

MEMBER_NAMES = ["production", "staging", "development", "data-platform", "security", "sandbox", "shared-services"]
TEAMS = ["platform", "payments", "data", "mobile", "growth", "security"]
FIRST = ["ana", "ben", "chloe", "dev", "eli", "fatima", "gus", "hana", "ivan", "jia", "kofi", "lena", "marc",
         "nina", "omar", "priya", "quinn", "rosa", "sam", "tariq", "uma", "vik", "wen", "xavi", "yara", "zoe"]
LAST = ["ito", "khan", "lopez", "meyer", "novak", "okafor", "park", "rossi", "silva", "tanaka", "weber", "young"]
AUDIT_ROLE = "OrganizationAccountAccessRole"

# The AWS-documented self-service policy: without MFA, only what enrolling a device needs.
FORCE_MFA_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
         "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"},
        {"Sid": "AllowManageOwnPasswords", "Effect": "Allow",
         "Action": ["iam:ChangePassword", "iam:GetUser"], "Resource": "arn:aws:iam::*:user/*${aws:username}"},
        {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/*${aws:username}"},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ChangePassword",
                       "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice",
                       "sts:GetSessionToken"],
         "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
}
_ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

# Kinds of people, with weights: what mix a real organization part-way through a rollout has.
_PROFILES: list[tuple[str, int]] = [
    ("console_mfa_enforced", 28),
    ("console_mfa", 14),
    ("console_no_mfa", 14),
    ("cli_keys_no_mfa", 14),
    ("cli_keys_mfa", 8),
    ("inactive_key", 5),
    ("multi_device", 5),
    ("stale", 7),
    ("enforced_no_mfa", 3),
    ("no_credentials", 2),
]


@dataclass
class SandboxOrg:
    management_id: str
    accounts: dict[str, str] = field(default_factory=dict)  # id -> name
    users: dict[str, int] = field(default_factory=dict)  # account id -> users created
    profiles: Counter[str] = field(default_factory=Counter)
    role_name: str = AUDIT_ROLE
    stale_backdated: bool = False


def _client(emulator: Emulator, service: str, creds: dict[str, str] | None = None) -> Any:
    kwargs = emulator.client_kwargs()
    if creds:
        kwargs.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"])
    return boto3.client(service, **kwargs)


def _totp_pair(seed: bytes | str) -> tuple[str, str]:
    """Two consecutive real TOTP codes for a device seed, as enabling a device requires."""
    import pyotp

    secret = seed.decode() if isinstance(seed, bytes) else seed
    totp = pyotp.TOTP(secret)
    now = datetime.now(timezone.utc)
    return totp.at(now - timedelta(seconds=30)), totp.at(now)


def _setup_account(iam: Any, account_id: str) -> None:
    policy_arn = iam.create_policy(PolicyName="ForceMFA", PolicyDocument=json.dumps(FORCE_MFA_POLICY))["Policy"]["Arn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    for level in ("Developer", "Admin"):
        iam.create_role(RoleName=f"{level}MFARole", AssumeRolePolicyDocument=json.dumps(trust))
        group = f"{level}MFAGroup"
        iam.create_group(GroupName=group)
        iam.attach_group_policy(GroupName=group, PolicyArn=policy_arn)
        iam.put_group_policy(GroupName=group, PolicyName=f"Assume{level}Role", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{account_id}:role/{level}MFARole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
    iam.put_role_policy(RoleName="AdminMFARole", PolicyName="Admin", PolicyDocument=json.dumps(_ADMIN_POLICY))
    # A legacy admin group from before enforcement: admin rights, no MFA requirement.
    iam.create_group(GroupName="LegacyAdmins")
    iam.put_group_policy(GroupName="LegacyAdmins", PolicyName="Admin", PolicyDocument=json.dumps(_ADMIN_POLICY))


def _enable_device(iam: Any, user: str, name: str) -> None:
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    code1, code2 = _totp_pair(device["Base32StringSeed"])
    iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)


def _create_user(iam: Any, rng: random.Random, name: str, team: str, profile: str, admin: bool,
                 admin_has_mfa: bool) -> None:
    iam.create_user(UserName=name, Tags=[
        {"Key": "team", "Value": team}, {"Key": "email", "Value": f"{name}@example.com"},
        {"Key": "person", "Value": name}])
    console = profile.startswith("console") or profile in ("multi_device", "stale", "enforced_no_mfa")
    keys = profile.startswith("cli") or profile == "inactive_key" or (rng.random() < 0.3 and console)
    mfa = profile in ("console_mfa_enforced", "console_mfa", "cli_keys_mfa", "multi_device")
    enforced = profile in ("console_mfa_enforced", "multi_device", "enforced_no_mfa")
    if admin:
        console, mfa, enforced = True, admin_has_mfa, admin_has_mfa
    if console:
        # Not a secret: the emulator accepts it and it never leaves loopback.
        iam.create_login_profile(UserName=name, Password="Sandbox-Passw0rd!", PasswordResetRequired=False)
    if keys:
        key = iam.create_access_key(UserName=name)["AccessKey"]
        if profile == "inactive_key":
            iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    if mfa:
        _enable_device(iam, name, name)
    if profile == "multi_device":
        # A hardware TOTP token, registered under its printed serial (GAHT...).
        iam.enable_mfa_device(UserName=name, SerialNumber=f"GAHT{rng.randrange(10**7, 10**8)}",
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    if enforced:
        iam.add_user_to_group(GroupName="DeveloperMFAGroup", UserName=name)
    if admin:
        iam.add_user_to_group(GroupName="AdminMFAGroup" if admin_has_mfa else "LegacyAdmins", UserName=name)


def _backdate(account_id: str, names: list[str], rng: random.Random) -> bool:
    """Make users stale on the emulator's in-process state; the IAM API has no way to do it."""
    try:
        from moto.iam.models import iam_backends
    except ImportError:
        return False
    try:
        backend = iam_backends[account_id]["global"]
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for name in names:
            user = backend.users[name]
            user.create_date = now - timedelta(days=rng.randrange(200, 700))
            for key in user.access_keys:
                key.create_date = user.create_date
            user.password_last_used = now - timedelta(days=rng.randrange(100, 400))
    except (KeyError, AttributeError):
        log.debug("emulator state not reachable in-process; stale users stay fresh")
        return False
    return True


def build_sandbox(emulator: Emulator, *, accounts: int = 4, users: int = 150, seed: int = 7) -> SandboxOrg:
    """Create the organization: ``accounts`` members plus the management account, ``users`` IAM users."""
    rng = random.Random(seed)
    org = _client(emulator, "organizations")
    org.create_organization(FeatureSet="ALL")
    mgmt = _client(emulator, "sts").get_caller_identity()["Account"]
    result = SandboxOrg(management_id=mgmt, accounts={mgmt: "management"})
    names = (MEMBER_NAMES * (accounts // len(MEMBER_NAMES) + 1))[:accounts]
    for i, name in enumerate(names):
        label = name if i < len(MEMBER_NAMES) else f"{name}-{i}"
        status = org.create_account(Email=f"aws+{label}@example.com", AccountName=label)["CreateAccountStatus"]
        result.accounts[status["AccountId"]] = label

    people = [f"{f}.{last}" for f in FIRST for last in LAST]
    rng.shuffle(people)
    member_ids = [a for a in result.accounts if a != mgmt]
    # A few admins in the management account; everyone else spread over the members.
    plan: dict[str, list[str]] = {a: [] for a in result.accounts}
    mgmt_users = min(3, users)
    plan[mgmt] = people[:mgmt_users]
    for n, person in enumerate(people[mgmt_users:users]):
        plan[member_ids[n % len(member_ids)] if member_ids else mgmt].append(person)
    # One member account's admins have not enrolled yet: the "no MFA-holding admin" case.
    no_mfa_admin_account = member_ids[-1] if member_ids else ""

    sts = _client(emulator, "sts")
    weights = [w for _, w in _PROFILES]
    kinds = [k for k, _ in _PROFILES]
    for account_id, people_here in plan.items():
        creds = None
        if account_id != mgmt:
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{AUDIT_ROLE}",
                                    RoleSessionName="sandbox-seed")["Credentials"]
        iam = _client(emulator, "iam", creds)
        _setup_account(iam, account_id)
        stale: list[str] = []
        for n, person in enumerate(people_here):
            admin = n < 2
            profile = rng.choices(kinds, weights)[0]
            team = "platform" if admin else TEAMS[rng.randrange(len(TEAMS))]
            _create_user(iam, rng, person, team, profile, admin, admin_has_mfa=account_id != no_mfa_admin_account)
            result.profiles["admin" if admin else profile] += 1
            if profile == "stale" and not admin:
                stale.append(person)
        result.users[account_id] = len(people_here)
        if stale:
            result.stale_backdated = _backdate(account_id, stale, rng) or result.stale_backdated
    return result


def enroll(emulator: Emulator, org: SandboxOrg, people: list[tuple[str, str]], enforce: bool = True) -> None:
    """People (account id, user name) enable a virtual MFA device, and are enforced: a day of rollout."""
    sts = _client(emulator, "sts")
    clients: dict[str, Any] = {}
    for account_id, name in people:
        if account_id not in clients:
            creds = None
            if account_id != org.management_id:
                creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{org.role_name}",
                                        RoleSessionName="sandbox-rollout")["Credentials"]
            clients[account_id] = _client(emulator, "iam", creds)
        iam = clients[account_id]
        _enable_device(iam, name, f"{name}-rollout")
        if enforce:
            iam.add_user_to_group(GroupName="DeveloperMFAGroup", UserName=name)
