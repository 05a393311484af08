"""Existing IAM users come under the iam-user module with `import {}` blocks at the documented
addresses: the plan imports everything and changes nothing (the roster importer relies on it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from mfaguard.sandbox.server import Emulator
from mfaguard.terraform import Terraform

pytestmark = [pytest.mark.terraform, pytest.mark.integration]


def test_existing_user_imports_with_no_changes(
    deploy: Callable[..., Terraform], tf_tree: Path, aws_moto: Emulator, ssh_public_key: str
) -> None:
    iam = boto3.client("iam", **aws_moto.client_kwargs())
    iam.create_group(GroupName="DeveloperMFAGroup")
    iam.create_user(
        UserName="dave",
        Path="/eng/",
        Tags=[{"Key": "team", "Value": "payments"}, {"Key": "email", "Value": "dave@example.com"}],
    )
    iam.add_user_to_group(UserName="dave", GroupName="DeveloperMFAGroup")
    iam.create_login_profile(UserName="dave", Password="Initial-Passw0rd!", PasswordResetRequired=True)
    key_id = iam.upload_ssh_public_key(UserName="dave", SSHPublicKeyBody=ssh_public_key)["SSHPublicKey"][
        "SSHPublicKeyId"
    ]
    access_key = iam.create_access_key(UserName="dave")["AccessKey"]["AccessKeyId"]

    root = tf_tree / "roots" / "import"
    root.mkdir(parents=True)
    (root / "main.tf").write_text(f"""
module "dave" {{
  source = "../../modules/iam-user"

  name                 = "dave"
  path                 = "/eng/"
  team                 = "payments"
  email                = "dave@example.com"
  groups               = ["DeveloperMFAGroup"]
  ssh_public_keys      = ["{ssh_public_key}"]
  pgp_key              = "keybase:dave"
  create_login_profile = true
  create_access_key    = true
}}

import {{
  to = module.dave.aws_iam_user.this
  id = "dave"
}}

import {{
  to = module.dave.aws_iam_user_login_profile.this[0]
  id = "dave"
}}

import {{
  to = module.dave.aws_iam_access_key.this[0]
  id = "{access_key}"
}}

import {{
  to = module.dave.aws_iam_user_ssh_key.this["0"]
  id = "dave:{key_id}:SSH"
}}

import {{
  to = module.dave.aws_iam_user_group_membership.this[0]
  id = "dave/DeveloperMFAGroup"
}}
""")
    tf = deploy("roots/import")
    plan = tf.plan()
    assert "Plan: 5 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout
    tf.apply()
    assert tf.plan().changes is False
    # Nothing was recreated: the same key pair and SSH key are still there.
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="dave")["AccessKeyMetadata"]] == [access_key]
    assert [k["SSHPublicKeyId"] for k in iam.list_ssh_public_keys(UserName="dave")["SSHPublicKeys"]] == [key_id]
