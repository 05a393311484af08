"""Fixtures for the roster, render and import tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.terraform import TerraformKit

REPO = Path(__file__).resolve().parents[2]
IAM_USER_MODULE = REPO / "terraform" / "modules" / "iam-user"


def ssh_key(seed: int) -> str:
    """A real OpenSSH ed25519 public key, the same for the same seed."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = Ed25519PrivateKey.from_private_bytes(seed.to_bytes(32, "big"))
    return private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


@pytest.fixture
def write_roster(tmp_path: Path) -> Callable[[str], Path]:
    def _write(text: str, name: str = "roster.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


TRICKY = ["first.last+ops@example.com", "a=b", "Alice", "alice", "x,y", "Ops.Bot@corp", "dev_1"]
TEAMS = ["sre", "payments", "data"]
GROUPS = ["DeveloperMFAGroup", "AdminMFAGroup", "ops", "readonly"]


def populate(iam: object, count: int = 50) -> dict[str, int]:
    """Create ``count`` IAM users with mixed attributes; returns the objects an import must adopt."""
    for group in GROUPS:
        iam.create_group(GroupName=group)  # type: ignore[attr-defined]
    names = TRICKY + [f"user{i:02d}" for i in range(count - len(TRICKY))]
    objects = {"users": 0, "login_profiles": 0, "access_keys": 0, "ssh_keys": 0, "memberships": 0}
    for i, name in enumerate(names):
        tags = []
        if i % 4 != 3:
            tags.append({"Key": "team", "Value": TEAMS[i % 3]})
        if i % 5 == 0:
            tags.append({"Key": "email", "Value": f"person{i}@example.com"})
        if i % 6 == 0:
            tags.append({"Key": "person", "Value": f"Person {i}"})
        if i % 7 == 0:
            tags.append({"Key": "cost-center", "Value": str(100 + i)})
        iam.create_user(UserName=name, Path="/eng/" if i % 11 == 0 else "/", Tags=tags)  # type: ignore[attr-defined]
        objects["users"] += 1
        if i % 2 == 0:
            iam.create_login_profile(UserName=name, Password=f"Initial-Passw0rd-{i}!",  # type: ignore[attr-defined]
                                     PasswordResetRequired=True)
            objects["login_profiles"] += 1
        if i % 3 == 0:
            key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]  # type: ignore[attr-defined]
            if i % 9 == 0:
                iam.update_access_key(UserName=name, AccessKeyId=key, Status="Inactive")  # type: ignore[attr-defined]
            objects["access_keys"] += 1
        for n in range(2 if i % 8 == 0 else 1 if i % 4 == 0 else 0):
            iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=f"{ssh_key(1000 + 10 * i + n)} {name}")  # type: ignore[attr-defined]
            objects["ssh_keys"] += 1
        groups = []
        if i % 5 == 1:
            groups.append("DeveloperMFAGroup")
        if i % 10 == 2:
            groups.append("AdminMFAGroup")
        if i % 3 == 1:
            groups.append("ops")
        for group in groups:
            iam.add_user_to_group(UserName=name, GroupName=group)  # type: ignore[attr-defined]
        objects["memberships"] += 1 if groups else 0
    return objects


@pytest.fixture(scope="session")
def terraform_for(tf_kit: TerraformKit) -> TerraformKit:
    """Terraform in a directory, with the AWS provider from the session's local mirror."""
    return tf_kit


def moto_override(url: str, bucket: str, key: str) -> str:
    """Provider and backend settings that send Terraform to the moto server (an *_override.tf file)."""
    return f"""\
terraform {{
  backend "s3" {{
    bucket                      = "{bucket}"
    key                         = "{key}"
    region                      = "us-east-1"
    endpoints                   = {{ s3 = "{url}" }}
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }}
}}

provider "aws" {{
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_get_ec2_platforms      = true
  s3_force_path_style         = true
  max_retries                 = 1

  endpoints {{
    iam = "{url}"
    sts = "{url}"
    s3  = "{url}"
  }}
}}
"""
