"""An organization in the real moto server: management account + members reached with assume_role."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

from mfaguard.config import AccountsConfig, AuditConfig, AwsConfig, Config
from mfaguard.sandbox.org import FORCE_MFA_POLICY, _totp_pair
from mfaguard.sandbox.server import Emulator

ROLE = "OrganizationAccountAccessRole"


@dataclass
class Org:
    emulator: Emulator
    management: str
    members: dict[str, str] = field(default_factory=dict)  # name -> id

    def iam(self, account_id: str) -> Any:
        kwargs = self.emulator.client_kwargs()
        if account_id != self.management:
            creds = boto3.client("sts", **kwargs).assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="test-setup")["Credentials"]
            kwargs.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"])
        return boto3.client("iam", **kwargs)

    def add_member(self, name: str) -> str:
        org = boto3.client("organizations", **self.emulator.client_kwargs())
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        self.members[name] = status["AccountId"]
        return str(status["AccountId"])

    def config(self, endpoint: str | None = None, **audit: Any) -> Config:
        return Config(
            aws=AwsConfig(endpoint_url=endpoint or self.emulator.url, max_attempts=5),
            accounts=AccountsConfig(source="organizations", role_name=ROLE),
            audit=AuditConfig(**audit),
        )


def enforcement_group(iam: Any, name: str = "DeveloperMFAGroup") -> str:
    arn = iam.create_policy(PolicyName=f"ForceMFA-{name}", PolicyDocument=json.dumps(FORCE_MFA_POLICY))["Policy"]["Arn"]
    iam.create_group(GroupName=name)
    iam.attach_group_policy(GroupName=name, PolicyArn=arn)
    return name


def admin_group(iam: Any, name: str = "Admins") -> str:
    iam.create_group(GroupName=name)
    iam.put_group_policy(GroupName=name, PolicyName="admin", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    return name


def make_user(iam: Any, name: str, *, console: bool = False, keys: int = 0, inactive_keys: int = 0,
              mfa: bool = False, hardware: bool = False, groups: tuple[str, ...] = (), team: str | None = None) -> None:
    tags = [{"Key": "team", "Value": team}] if team else []
    iam.create_user(UserName=name, Tags=tags)
    if console:
        iam.create_login_profile(UserName=name, Password="Test-Passw0rd!")
    for _ in range(keys):
        iam.create_access_key(UserName=name)
    for _ in range(inactive_keys):
        key = iam.create_access_key(UserName=name)["AccessKey"]
        iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    if mfa:
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
        c1, c2 = _totp_pair(device["Base32StringSeed"])
        iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"], AuthenticationCode1=c1,
                              AuthenticationCode2=c2)
    if hardware:
        iam.enable_mfa_device(UserName=name, SerialNumber=f"GAHT{abs(hash(name)) % 10**8:08d}",
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    for g in groups:
        iam.add_user_to_group(GroupName=g, UserName=name)


def new_org(moto: Emulator) -> Org:
    client = boto3.client("organizations", **moto.client_kwargs())
    client.create_organization(FeatureSet="ALL")
    management = boto3.client("sts", **moto.client_kwargs()).get_caller_identity()["Account"]
    return Org(emulator=moto, management=management)
